import { isErased } from '@tally/eventstore';
import { sql } from 'kysely';
import { defineProjection } from '@tally/projections';
import { bankEventTypes, type BankEvent } from '../../domain/events.js';
import type { Insertable } from 'kysely';
import type { BankReadDb } from './read-model.js';

// #region accounts-projection

/**
 * `bank_accounts`: one row per account (balance, status, currency). A batch is folded in memory first, so
 * each touched account costs one UPDATE however many of its events the batch holds.
 */
export const accountsProjection = defineProjection<BankEvent, BankReadDb>()({
  name: 'bank-accounts',
  version: 1,
  // An account's row depends on its events' order (opened, then money, then closed): a poison event is parked and
  // its account's later events wait behind it (holdParkedTags, the default), while every other account stays current.
  onError: 'park',
  query: [{ types: bankEventTypes }],
  tables: ['bank_accounts'],
  setup: async (db) => {
    await sql`
      CREATE TABLE IF NOT EXISTS bank_accounts (
        account_id    text PRIMARY KEY,
        customer_name text,
        account_type  text NOT NULL,
        currency      text NOT NULL,
        balance       bigint NOT NULL,
        status        text NOT NULL,
        opened_at     timestamptz NOT NULL,
        closed_at     timestamptz
      )`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS bank_accounts_customer ON bank_accounts (lower(customer_name))`.execute(db);
    // NULL: the customer was erased (tables made before erasure existed had the column NOT NULL).
    await sql`ALTER TABLE bank_accounts ALTER COLUMN customer_name DROP NOT NULL`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('bank_accounts').execute();
  },
  // #region on-erase
  // The subject of the bank's personal data is the account: its row forgets the customer's name.
  onErase: async (accountId, trx) => {
    await trx.updateTable('bank_accounts').set({ customer_name: null }).where('account_id', '=', accountId).execute();
  },
  // #endregion on-erase
  handle: async (events, trx) => {
    const opened: Insertable<BankReadDb['bank_accounts']>[] = [];
    const deltas = new Map<string, number>();
    const closed = new Map<string, Date>();
    const add = (accountId: string, amount: number) => deltas.set(accountId, (deltas.get(accountId) ?? 0) + amount);
    for (const event of events) {
      switch (event.type) {
        case 'AccountOpened': {
          const { accountId, customerName, accountType, currency, initialDeposit } = event.data;
          opened.push({
            account_id: accountId,
            customer_name: isErased(customerName) ? null : customerName,
            account_type: accountType,
            currency,
            balance: initialDeposit,
            status: 'open',
            opened_at: event.occurredAt,
            closed_at: null,
          });
          break;
        }
        case 'MoneyDeposited':
          add(event.data.accountId, event.data.amount);
          break;
        case 'MoneyWithdrawn':
          add(event.data.accountId, -event.data.amount);
          break;
        case 'MoneyTransferred':
          add(event.data.fromAccountId, -event.data.amount);
          add(event.data.toAccountId, event.data.amount);
          break;
        case 'AccountClosed':
          closed.set(event.data.accountId, event.occurredAt);
          break;
      }
    }
    if (opened.length > 0) await trx.insertInto('bank_accounts').values(opened).execute();
    for (const [accountId, delta] of deltas) {
      if (delta === 0) continue;
      await trx
        .updateTable('bank_accounts')
        .set({ balance: sql`balance + ${delta}` })
        .where('account_id', '=', accountId)
        .execute();
    }
    for (const [accountId, at] of closed) {
      await trx.updateTable('bank_accounts').set({ status: 'closed', closed_at: at }).where('account_id', '=', accountId).execute();
    }
  },
});
// #endregion accounts-projection
