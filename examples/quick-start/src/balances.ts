import { sql, type Kysely } from 'kysely';
import { defineProjection } from '@tally/projections';
import type { AccountEvent } from './events.js';

// #region projection
/** The read model's tables, as Kysely sees them. */
export interface ReadDb {
  balances: { account_id: string; owner: string; balance: number };
}

/** `balances`: one row per account, kept up to date by the projector. */
export const balancesProjection = defineProjection<AccountEvent, ReadDb>()({
  name: 'balances',
  version: 1,
  query: [{ types: ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn'] }],
  setup: async (db) => {
    await sql`CREATE TABLE IF NOT EXISTS balances (account_id text PRIMARY KEY, owner text NOT NULL, balance integer NOT NULL)`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('balances').execute();
  },
  handle: async (events, trx) => {
    for (const event of events) {
      if (event.type === 'AccountOpened') {
        await trx.insertInto('balances').values({ account_id: event.data.accountId, owner: event.data.owner, balance: 0 }).execute();
      } else {
        const delta = event.type === 'MoneyDeposited' ? event.data.amount : -event.data.amount;
        await trx
          .updateTable('balances')
          .set({ balance: sql`balance + ${delta}` })
          .where('account_id', '=', event.data.accountId)
          .execute();
      }
    }
  },
});
// #endregion projection

// #region read
/** The read side: a plain Kysely query on the projection's table. */
export async function balanceOf(db: Kysely<ReadDb>, accountId: string): Promise<number | undefined> {
  const row = await db.selectFrom('balances').select('balance').where('account_id', '=', accountId).executeTakeFirst();
  return row?.balance;
}
// #endregion read
