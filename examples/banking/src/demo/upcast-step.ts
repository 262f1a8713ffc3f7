import { randomUUID } from 'node:crypto';
import { createEventStore, type EncryptionKeyOption } from '@tally/eventstore';
import type { Bank } from '../bank.js';
import { accountTag, customerTag } from '../domain/events.js';
import { formatMoney } from '../domain/money.js';
import type { AccountOpenedV1 } from '../domain/upcasters.js';

/**
 * Demo step: an account opened by the bank's old code (a store without upcasters writes `AccountOpened` at
 * version 1, with no `accountType`) is read by today's bank in the current shape, as a checking account. The old
 * code already kept the customer's name encrypted under the bank's key: no step of the demo stores it in clear.
 */
export async function demoUpcast(bank: Bank, connectionString: string, encryptionKey: EncryptionKeyOption, say: (line: string) => void): Promise<void> {
  say('\n8. Upcasting — an event in the shape old code wrote, read in today’s shape');
  const accountId = randomUUID();
  const customerName = `Grace Hopper ${accountId.slice(0, 4)}`;
  const oldCode = createEventStore<{ type: 'AccountOpened'; data: AccountOpenedV1 }>({
    connectionString,
    personalData: { AccountOpened: { subject: (opened) => opened.accountId, fields: ['customerName'] } },
    encryptionKey,
  });
  try {
    const data: AccountOpenedV1 = { accountId, customerName, currency: 'USD', initialDeposit: 0 };
    await oldCode.append([{ type: 'AccountOpened', data, tags: [accountTag(accountId), await customerTag(bank.store, customerName)] }]);
    say(`  ✓ old code stored AccountOpened (version 1): ${JSON.stringify(data)}`);
  } finally {
    await oldCode.close();
  }
  const [event] = (await bank.store.read([{ types: ['AccountOpened'], tags: [accountTag(accountId)] }])).events;
  say(`  ✓ the bank reads it (stored as version ${event!.schemaVersion}) as: ${JSON.stringify(event!.data)}`);
  const account = await bank.getAccount(accountId);
  say(`  ✓ and serves it as a ${account.accountType} account with ${formatMoney(account.balance, account.currency)}`);
}
