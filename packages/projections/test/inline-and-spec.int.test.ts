import { sql, type Transaction } from 'kysely';
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

type SummaryDb = {
  deposit_summary: { account_id: string; deposits: number; total: number };
};

/**
 * Deposits per account: folds its batch into one row per account, then writes them. With `upsert: false` it is the
 * naive handler that only INSERTs, right as long as every account it sees is new in its batch. `batches` records
 * what each `handle` call received (`account:amount`).
 */
function depositSummary(name: string, options: { readonly upsert: boolean; readonly batches?: string[][] }) {
  return defineProjection<BankEvent, SummaryDb>()({
    name,
    version: 1,
    query: [{ types: ['MoneyDeposited'] }],
    setup: async (db) => {
      await sql`CREATE TABLE IF NOT EXISTS deposit_summary (account_id text PRIMARY KEY, deposits integer NOT NULL, total integer NOT NULL)`.execute(db);
    },
    reset: async (trx) => {
      await trx.deleteFrom('deposit_summary').execute();
    },
    handle: async (events, trx) => {
      options.batches?.push(events.map((event) => `${event.data.accountId}:${event.data.amount}`));
      const sums = new Map<string, { deposits: number; total: number }>();
      for (const event of events) {
        const sum = sums.get(event.data.accountId) ?? { deposits: 0, total: 0 };
        sums.set(event.data.accountId, { deposits: sum.deposits + 1, total: sum.total + event.data.amount });
      }
      const insert = trx.insertInto('deposit_summary').values([...sums].map(([account_id, sum]) => ({ account_id, ...sum })));
      if (!options.upsert) {
        await insert.execute();
        return;
      }
      await insert
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet((eb) => ({
            deposits: eb('deposit_summary.deposits', '+', eb.ref('excluded.deposits')),
            total: eb('deposit_summary.total', '+', eb.ref('excluded.total')),
          })),
        )
        .execute();
    },
  });
}

const summaryRows = (trx: Transaction<SummaryDb>) => trx.selectFrom('deposit_summary').selectAll().orderBy('account_id').execute();

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

  it('when(events): hands the new events to handle in a second call, after the history was handled', async () => {
    const batches: string[][] = [];
    const spec = projectionSpec(depositSummary('spec-summary', { upsert: true, batches }), { store, connectionString: database.url });
    await spec
      .given([
        { type: 'MoneyDeposited', data: { accountId: 'w1', amount: 10 } },
        { type: 'Noise', data: { n: 1 } },
        { type: 'MoneyDeposited', data: { accountId: 'w2', amount: 5 } },
      ])
      .when([
        { type: 'MoneyDeposited', data: { accountId: 'w1', amount: 3 } },
        { type: 'AccountOpened', data: { accountId: 'w3' } },
      ])
      .then(summaryRows, [
        { account_id: 'w1', deposits: 2, total: 13 },
        { account_id: 'w2', deposits: 1, total: 5 },
      ]);
    expect(batches).toEqual([['w1:10', 'w2:5'], ['w1:3']]);
    await spec.close();
  });

  it('when(events): exposes a handler that breaks once its rows already exist, which given(all events) cannot', async () => {
    const spec = projectionSpec(depositSummary('spec-naive-summary', { upsert: false }), { store, connectionString: database.url });
    const history = [{ type: 'MoneyDeposited', data: { accountId: 'n1', amount: 10 } }] as const;
    const next = [{ type: 'MoneyDeposited', data: { accountId: 'n1', amount: 3 } }] as const;
    const expected = [{ account_id: 'n1', deposits: 2, total: 13 }];
    // In one batch the naive INSERT is right ...
    await spec.given([...history, ...next]).then(summaryRows, expected);
    // ... and in a second batch it hits the row the first one inserted.
    await expect(spec.given(history).when(next).then(summaryRows, expected)).rejects.toThrow(/duplicate key/);
    await spec.close();
  });
});
