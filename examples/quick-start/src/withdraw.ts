import type { EventStore, Query } from '@tally/eventstore';
import { accountTag, type AccountEvent } from './events.js';

// #region withdraw
/** Withdraws `amount` if the balance covers it; throws `AppendConditionError` if the account changed meanwhile. */
export async function withdraw(store: EventStore<AccountEvent>, accountId: string, amount: number): Promise<boolean> {
  // 1. Read exactly the events the decision depends on.
  const account = [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: [accountTag(accountId)] }] satisfies Query<AccountEvent>;
  const { events, head } = await store.read(account);
  // 2. Decide.
  const balance = events.reduce((sum, e) => (e.type === 'MoneyDeposited' ? sum + e.data.amount : sum - e.data.amount), 0);
  if (balance < amount) return false;
  // 3. Append, on condition that nothing matching `account` was appended since the read that returned `head`.
  await store.append([{ type: 'MoneyWithdrawn', data: { accountId, amount }, tags: [accountTag(accountId)] }], {
    condition: { query: account, after: head },
  });
  return true;
}
// #endregion withdraw
