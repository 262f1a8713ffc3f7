import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { appendInline, createProjector, defineProjection } from '../src/index.js';
import { projectionSpec } from '../src/testing/index.js';
import { balanceProjection, type BankEvent } from './fixtures/bank.js';
import { setupDatabase } from './helpers.js';

const { database, store, db } = await setupDatabase();

type AccountView = {
  account_view: { account_id: string; deposits: number };
};

const accountView = defineProjection<BankEvent, AccountView>()({
  name: 'account-view',
  version: 1,
  inline: true,
  query: [{ types: ['MoneyDeposited'] }],
  setup: async (db) => {
    await sql`CREATE TABLE IF NOT EXISTS account_view (account_id text PRIMARY KEY, deposits integer NOT NULL)`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('account_view').execute();
  },
  handle: async (events, trx) => {
    for (const event of events) {
      await trx
        .insertInto('account_view')
        .values({ account_id: event.data.accountId, deposits: 1 })
        .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ deposits: eb('account_view.deposits', '+', 1) })))
        .execute();
    }
  },
});

describe('inline projections', () => {
  it('update the read table in the append transaction: visible inside it, gone with a rollback', async () => {
    const viewDb = db.withTables<AccountView>();
    await accountView.setup(viewDb);
    await viewDb.transaction().execute(async (trx) => {
      const { events } = await appendInline(store, trx, [
        { type: 'AccountOpened', data: { accountId: 'x1' } },
        { type: 'MoneyDeposited', data: { accountId: 'x1', amount: 3 } },
        { type: 'MoneyDeposited', data: { accountId: 'x1', amount: 4 } },
      ], [accountView]);
      expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'MoneyDeposited']);
      expect(await trx.selectFrom('account_view').selectAll().execute()).toEqual([{ account_id: 'x1', deposits: 2 }]);
    });
    await viewDb
      .transaction()
      .execute(async (trx) => {
        await appendInline(store, trx, [{ type: 'MoneyDeposited', data: { accountId: 'x1', amount: 1 } }], [accountView]);
        throw new Error('abort');
      })
      .catch(() => {});
    expect(await viewDb.selectFrom('account_view').selectAll().execute()).toEqual([{ account_id: 'x1', deposits: 2 }]);
  });

  it('are never run by the projector worker', async () => {
    const projector = createProjector({ store, projections: [accountView], connectionString: database.url, claimIntervalMs: 100 });
    await projector.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(projector.owned()).toEqual([]);
    expect((await projector.status())[0]).toMatchObject({ name: 'account-view', state: 'inline' });
    await projector.stop();
  });
});

describe('projectionSpec (./testing)', () => {
  it('compares the rows a projection produces from given events, and leaves nothing behind', async () => {
    const spec = projectionSpec(balanceProjection('spec-balances', 'spec_balances'), { store, connectionString: database.url });
    const { rows: before } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM tally.events`.execute(db);
    await spec
      .given([
        { type: 'AccountOpened', data: { accountId: 's1' } },
        { type: 'MoneyDeposited', data: { accountId: 's1', amount: 10 } },
        { type: 'MoneyWithdrawn', data: { accountId: 's1', amount: 3 } },
        { type: 'Noise', data: { n: 1 } },
      ])
      .then(async (trx) => (await sql`SELECT account_id, balance::int AS balance, events FROM spec_balances`.execute(trx)).rows, [
        { account_id: 's1', balance: 7, events: 3 },
      ]);
    await expect(
      spec.given([{ type: 'MoneyDeposited', data: { accountId: 's1', amount: 10 } }]).then(
        async (trx) => (await sql`SELECT balance::int AS balance FROM spec_balances`.execute(trx)).rows,
        [{ balance: 11 }],
      ),
    ).rejects.toThrow(/deep/i);
    const { rows: after } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM tally.events`.execute(db);
    expect(after).toEqual(before);
    await spec.close();
  });
});
