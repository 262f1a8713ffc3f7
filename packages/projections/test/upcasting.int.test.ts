import { createEventStore, upcasterChain, type StoredEvent } from '@tally/eventstore';
import { createEventStream } from '@tally/eventstream';
import { createTestDatabase } from '@tally/test-harness';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createProjector, defineProjection } from '../src/index.js';
import { eventually } from './helpers.js';

/** Version 1 of a deposit, as old code wrote it; the current code knows version 3. */
type DepositV1 = { accountId: string; amount: number };
type LedgerEvent = { type: 'MoneyDeposited'; data: { accountId: string; amount: { minor: number; currency: string } } };

const upcasters = {
  MoneyDeposited: upcasterChain(
    (v1: DepositV1) => ({ ...v1, currency: 'EUR' }),
    (v2) => ({ accountId: v2.accountId, amount: { minor: Math.round(v2.amount * 100), currency: v2.currency } }),
  ),
};

const database = await createTestDatabase();
const oldStore = createEventStore<{ type: 'MoneyDeposited'; data: DepositV1 }>({ connectionString: database.url });
const store = createEventStore<LedgerEvent>({ connectionString: database.url, upcasters });
const pool = new pg.Pool({ connectionString: database.url, max: 2 });
pool.on('error', () => {});
const db = new Kysely<{ ledger_totals: { account_id: string; minor: number } }>({ dialect: new PostgresDialect({ pool }) });
afterAll(async () => {
  await oldStore.close();
  await store.close();
  await db.destroy();
  await database.drop();
});

const totals = defineProjection<LedgerEvent, { ledger_totals: { account_id: string; minor: number } }>()({
  name: 'ledger-totals',
  version: 1,
  query: [{ types: ['MoneyDeposited'] }],
  setup: async (setupDb) => {
    await sql`CREATE TABLE IF NOT EXISTS ledger_totals (account_id text PRIMARY KEY, minor integer NOT NULL)`.execute(setupDb);
  },
  reset: async (trx) => {
    await trx.deleteFrom('ledger_totals').execute();
  },
  handle: async (events, trx) => {
    for (const event of events) {
      // On a v1 event without upcasting, `amount.minor` is undefined and the NOT NULL column refuses the row.
      await trx
        .insertInto('ledger_totals')
        .values({ account_id: event.data.accountId, minor: event.data.amount.minor })
        .onConflict((oc) => oc.column('account_id').doUpdateSet((eb) => ({ minor: eb('ledger_totals.minor', '+', eb.ref('excluded.minor')) })))
        .execute();
    }
  },
});

// Fails when subscriptions or projections read through a path that skips the codec: they get `amount: 12.5`.
describe('events written with version 1 reach subscribers and projections as version 3', () => {
  it('through an eventstream subscription and a projection', async () => {
    await oldStore.migrate();
    await oldStore.append([
      { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 12.5 } },
      { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 0.5 } },
      { type: 'MoneyDeposited', data: { accountId: 'a2', amount: 3 } },
    ]);
    await store.append([{ type: 'MoneyDeposited', data: { accountId: 'a2', amount: { minor: 7, currency: 'EUR' } } }]);

    const stream = createEventStream({ store, connectionString: database.url });
    const received: StoredEvent<LedgerEvent>[] = [];
    const sub = stream.subscribe({ query: [{ types: ['MoneyDeposited'] }], after: 'start', batchSize: 2 }, async (batch) => {
      received.push(...batch);
    });
    const projector = createProjector({ store, projections: [totals], connectionString: database.url, pollIntervalMs: 100, claimIntervalMs: 200 });
    try {
      expect(await eventually(async () => received.length === 4, 10_000)).toBe(true);
      expect(received.map((e) => e.data.amount)).toEqual([
        { minor: 1250, currency: 'EUR' },
        { minor: 50, currency: 'EUR' },
        { minor: 300, currency: 'EUR' },
        { minor: 7, currency: 'EUR' },
      ]);
      expect(received.map((e) => e.schemaVersion)).toEqual([1, 1, 1, 3]);

      await projector.start();
      const rows = () => db.selectFrom('ledger_totals').selectAll().orderBy('account_id').execute();
      expect(await eventually(async () => (await rows()).length === 2 && (await rows())[1]!.minor === 307, 10_000)).toBe(true);
      expect(await rows()).toEqual([
        { account_id: 'a1', minor: 1300 },
        { account_id: 'a2', minor: 307 },
      ]);
      expect((await projector.status())[0]).toMatchObject({ name: 'ledger-totals', lastError: null });
    } finally {
      await projector.stop();
      await sub.stop();
      await stream.close();
    }
  });
});
