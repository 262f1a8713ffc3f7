import { isErased } from '@tally/eventstore';
import type { Projector } from '@tally/projections';
import { tablesContaining } from '@tally/test-harness';
import type { Bank } from '../bank.js';
import { accountTag } from '../domain/events.js';
import { formatMoney } from '../domain/money.js';

/**
 * The demo's erasure step: a customer asks to be forgotten. Their name goes from every read path (the events,
 * the fold of a statement, the read model once the projector ran the view's `onErase`) and from the database's
 * bytes (no table holds it: it was only ever stored encrypted, and now its key is gone), while their balance
 * and history stay.
 */
export async function demoErasure(
  bank: Bank,
  projector: Projector,
  connectionString: string,
  customer: { readonly accountId: string; readonly name: string },
  say: (line: string) => void,
): Promise<void> {
  say(`\n9. Erasure: ${customer.name} asks to be forgotten (crypto-shredding: the account's key is destroyed)`);
  const before = await bank.getAccount(customer.accountId);
  const erasure = await bank.eraseCustomer(customer.accountId, { erasedBy: 'demo: request #1' });
  say(`  ✓ erased at ${erasure.erasedAt.toISOString()} (erasure #${erasure.sequence}); again: alreadyErased ${(await bank.eraseCustomer(customer.accountId)).alreadyErased}`);
  // The projector runs onErase within a poll interval.
  for (let i = 0; i < 100 && (await bank.getAccount(customer.accountId)).customerName !== null; i++) await new Promise((r) => setTimeout(r, 50));
  await projector.waitForCatchUp();
  const { events } = await bank.store.read([{ tags: [accountTag(customer.accountId)] }]);
  const opened = events.find((event) => event.type === 'AccountOpened');
  const stillNamed = opened?.type === 'AccountOpened' && !isErased(opened.data.customerName);
  say(`  ✓ the AccountOpened event reads customerName as ${stillNamed ? 'PLAINTEXT (wrong)' : 'Erased'}`);
  const statement = await bank.getStatement(customer.accountId, new Date());
  const after = await bank.getAccount(customer.accountId);
  say(`  ✓ read model: customer ${after.customerName ?? '(erased)'}; statement from the events: customer ${statement.account.customerName ?? '(erased)'}`);
  const tables = await tablesContaining(connectionString, customer.name);
  say(`  ✓ tables of the database holding "${customer.name}": ${tables.length === 0 ? 'none' : tables.join(', ')}`);
  say(`  ✓ balance before ${formatMoney(before.balance, before.currency)}, after ${formatMoney(after.balance, after.currency)}: the money is untouched`);
  if (stillNamed || after.customerName !== null || tables.length > 0 || after.balance !== before.balance) throw new Error('the erasure did not do what it says');
}
