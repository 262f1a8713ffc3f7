import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createEventStore, EventVersionError, upcasterChain, type EventStore, type StoredEvent } from '../src/index.js';
import { createInMemoryEventStore } from '../src/testing/index.js';

// #region upcasters
/** How old code wrote deposits (version 1) … */
type DepositV1 = { accountId: string; amount: number };

/** … and what the current code knows: version 3 (v2 added `currency`, v3 made the amount minor units with a currency). */
type LedgerEvent =
  | { type: 'AccountOpened'; data: { accountId: string } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: { minor: number; currency: string } } };

const upcasters = {
  MoneyDeposited: upcasterChain(
    (v1: DepositV1) => ({ ...v1, currency: 'EUR' }),
    (v2) => ({ accountId: v2.accountId, amount: { minor: Math.round(v2.amount * 100), currency: v2.currency } }),
  ),
};

const openLedger = (connectionString: string) => createEventStore<LedgerEvent>({ connectionString, upcasters });
// #endregion upcasters

type OldEvent = { type: 'AccountOpened'; data: { accountId: string } } | { type: 'MoneyDeposited'; data: DepositV1 };

let database: TestDatabase;
let oldStore: EventStore<OldEvent>;
let newStore: EventStore<LedgerEvent>;
let raw: pg.Client;
const v3 = { accountId: 'a1', amount: { minor: 1250, currency: 'EUR' } };

beforeAll(async () => {
  database = await createTestDatabase();
  // As old code did: a store without upcasters writes version 1.
  oldStore = createEventStore<OldEvent>({ connectionString: database.url });
  await oldStore.migrate();
  await oldStore.append([
    { type: 'AccountOpened', data: { accountId: 'a1' }, tags: ['account:a1'] },
    { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 12.5 }, tags: ['account:a1'] },
  ]);
  newStore = openLedger(database.url);
  raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
});

afterAll(async () => {
  await raw.end();
  await oldStore.close();
  await newStore.close();
  await database.drop();
});

const deposits = (events: readonly StoredEvent<LedgerEvent>[]) => events.filter((e) => e.type === 'MoneyDeposited');

// Each of these fails on a store that applies no upcasters on that path: it returns `{ accountId, amount: 12.5 }`.
describe('events written with version 1 read back as version 3', () => {
  it('through read (also inside a transaction and through with(trx))', async () => {
    const { events } = await newStore.read([{ types: ['MoneyDeposited'] }]);
    expect(events.map((e) => e.data)).toEqual([v3]);
    expect(events[0]!.schemaVersion).toBe(1);
    expectTypeOf(events[0]!.data.amount).toEqualTypeOf<{ minor: number; currency: string }>();
    const inTransaction = await newStore.transaction((session) => session.read([{ tags: ['account:a1'] }]));
    expect(deposits(inTransaction.events).map((e) => e.data)).toEqual([v3]);
  });

  it('through stream (pages of one event, so every page is upcast)', async () => {
    const seen: unknown[] = [];
    for await (const event of newStore.stream([{ types: ['MoneyDeposited'] }], { batchSize: 1 })) seen.push(event.data);
    expect(seen).toEqual([v3]);
  });

  it('through readSettled', async () => {
    const { events } = await newStore.readSettled(undefined, { after: { transactionId: 0n, position: 0n }, limit: 100 });
    expect(deposits(events).map((e) => e.data)).toEqual([v3]);
  });

  it('stamps new events with the current version and does not upcast them again', async () => {
    const { positions } = await newStore.append([{ type: 'MoneyDeposited', data: { accountId: 'a2', amount: { minor: 5, currency: 'USD' } } }]);
    const { rows } = await raw.query<{ schema_version: number }>('SELECT schema_version FROM tally.events WHERE position = $1', [positions[0]!.toString()]);
    expect(rows[0]!.schema_version).toBe(3);
    const { events } = await newStore.read([{ types: ['MoneyDeposited'], data: { accountId: 'a2' } }]);
    expect(events.map((e) => [e.data, e.schemaVersion])).toEqual([[{ accountId: 'a2', amount: { minor: 5, currency: 'USD' } }, 3]]);
    // Types without upcasters stay at version 1.
    await newStore.append([{ type: 'AccountOpened', data: { accountId: 'a2' } }]);
    const { rows: opened } = await raw.query<{ schema_version: number }>("SELECT schema_version FROM tally.events WHERE type = 'AccountOpened'");
    expect(opened.map((r) => r.schema_version)).toEqual([1, 1]);
  });

  // The general append path (append_events: ids, conditions) stores the version too, and a retry is still a duplicate.
  it('stamps through conditional appends and appends with ids; the same ids and content again are a duplicate', async () => {
    const query = [{ types: ['MoneyDeposited' as const], tags: ['account:a3'] }];
    const { head } = await newStore.read(query);
    const id = '0190f5b0-0000-7000-8000-00000000a3a3';
    const event = { id, type: 'MoneyDeposited' as const, data: { accountId: 'a3', amount: { minor: 1, currency: 'EUR' } }, tags: ['account:a3'] };
    const first = await newStore.append([event], { condition: { query, after: head } });
    const again = await newStore.append([event]);
    expect(again).toMatchObject({ duplicate: true, positions: first.positions });
    const { rows } = await raw.query<{ schema_version: number }>('SELECT schema_version FROM tally.events WHERE id = $1', [id]);
    expect(rows).toEqual([{ schema_version: 3 }]);
  });

  it('matches queries on data against the stored shape, not the upcast one', async () => {
    // #region stored-shape
    // The old event is stored as { accountId: 'a1', amount: 12.5 }: conditions and queries on `data` see that.
    const stored = await newStore.read([{ types: ['MoneyDeposited'], data: { accountId: 'a1' } }]);
    const byOldShape = await newStore.read([{ types: ['MoneyDeposited'], data: { amount: { minor: 1250 } } }]);
    // #endregion stored-shape
    expect(stored.events.map((e) => e.data)).toEqual([v3]);
    expect(byOldShape.events).toEqual([]);
  });

  it('and in the in-memory store', async () => {
    const memory = createInMemoryEventStore<LedgerEvent>({
      upcasters,
      history: [{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 12.5 }, tags: ['account:a1'] }],
    });
    expect((await memory.read()).events.map((e) => e.data)).toEqual([v3]);
    const streamed: unknown[] = [];
    for await (const event of memory.stream(undefined, { batchSize: 1 })) streamed.push(event.data);
    expect(streamed).toEqual([v3]);
    const settled = await memory.readSettled(undefined, { after: { transactionId: 0n, position: 0n }, limit: 10 });
    expect(settled.events.map((e) => e.data)).toEqual([v3]);
    await memory.append([{ type: 'MoneyDeposited', data: v3 }]);
    expect((await memory.read()).events.map((e) => e.schemaVersion)).toEqual([1, 3]);
  });
});

// Fails on a store that upcasts only what it knows and passes the rest through: the v4 data would reach a handler
// typed as v3.
describe('an event of a version newer than the code knows', () => {
  it('is refused with UNKNOWN_EVENT_VERSION on read, stream and readSettled, in both stores', async () => {
    const newer = createEventStore<LedgerEvent>({
      connectionString: database.url,
      upcasters: { MoneyDeposited: [...upcasters.MoneyDeposited, (data: typeof v3) => data] },
    });
    try {
      await newer.append([{ type: 'MoneyDeposited', data: v3, tags: ['v4'] }]);
    } finally {
      await newer.close();
    }
    const expectUnknown = async (work: () => Promise<unknown>, knownVersion = 3) => {
      const error = await work().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(EventVersionError);
      expect(error).toMatchObject({ code: 'UNKNOWN_EVENT_VERSION', knownVersion, event: { type: 'MoneyDeposited', schemaVersion: 4 } });
    };
    await expectUnknown(() => newStore.read([{ tags: ['v4'] }]));
    await expectUnknown(async () => {
      for await (const event of newStore.stream([{ tags: ['v4'] }])) void event;
    });
    await expectUnknown(() => newStore.readSettled([{ tags: ['v4'] }], { after: { transactionId: 0n, position: 0n }, limit: 10 }));
    // Also for a type this code has no upcasters for (its current version is 1).
    await expectUnknown(() => oldStore.read([{ tags: ['v4'] }]), 1);
    const memory = createInMemoryEventStore<LedgerEvent>({ upcasters, history: [{ type: 'MoneyDeposited', data: v3, schemaVersion: 4 }] });
    await expectUnknown(() => memory.read());
  });
});
