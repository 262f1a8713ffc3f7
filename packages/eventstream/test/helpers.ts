import { randomUUID } from 'node:crypto';
import { createEventStore, type EventStore, type NewEvent, type NotifyMode } from '@tally/eventstore';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, expect } from 'vitest';
import { createEventStream, type EventStream, type EventStreamOptions } from '../src/index.js';

/** The events the stream's tests use. */
export type TestEvent =
  | { type: 'AccountOpened'; data: { accountId: string; customerName: string; currency: string } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number } };

export interface Fixture {
  readonly database: TestDatabase;
  readonly store: EventStore<TestEvent>;
  /** A Kysely instance on the test database, for the tests' own transactions. */
  readonly db: Kysely<object>;
  /** A stream on the fixture's store (or another), closed after the file. */
  newStream(options?: Partial<EventStreamOptions<TestEvent>>): EventStream<TestEvent>;
  /** Another store on the same database (e.g. with another notify mode), closed after the file. */
  newStore(options?: { notify?: NotifyMode }): EventStore<TestEvent>;
  /** A raw client, closed after the file. */
  client(): Promise<pg.Client>;
}

/** A fresh migrated database for this test file, a store and helpers on it, and cleanup after the file. */
export async function setup(options: { notify?: NotifyMode } = {}): Promise<Fixture> {
  const database = await createTestDatabase();
  const closers: (() => Promise<unknown>)[] = [];
  const newStore = (opts: { notify?: NotifyMode } = {}) => {
    const store = createEventStore<TestEvent>({
      connectionString: database.url,
      maxConnections: 12,
      ...(opts.notify ? { notify: opts.notify } : {}),
    });
    closers.push(() => store.close());
    return store;
  };
  const store = newStore(options);
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
  pool.on('error', () => {});
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  closers.push(() => db.destroy());
  const newStream = (opts: Partial<EventStreamOptions<TestEvent>> = {}) => {
    const stream = createEventStream<TestEvent>({ store, connectionString: database.url, pollIntervalMs: 200, ...opts });
    stream.on('error', () => {}); // listener warnings are asserted where they matter
    closers.unshift(() => stream.close());
    return stream;
  };
  const client = async () => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    closers.push(() => c.end());
    return c;
  };
  afterAll(async () => {
    for (const close of closers) await close().catch(() => {});
    await database.drop();
  });
  return { database, store, db, newStream, newStore, client };
}

/** The store with its settled reads observed: `onRead` gets each read's result. */
export function observedStore(
  store: EventStore<TestEvent>,
  onRead: (result: { events: readonly unknown[] }) => void,
): EventStore<TestEvent> {
  const readSettled: EventStore<TestEvent>['readSettled'] = async (query, options) => {
    const result = await store.readSettled(query, options);
    onRead(result);
    return result;
  };
  return { ...store, readSettled };
}

/** A deposit event with a fresh account id unless one is given. */
export function deposit(amount: number, accountId = `acc-${randomUUID()}`, tags: string[] = []): NewEvent<TestEvent> {
  return { type: 'MoneyDeposited', data: { accountId, amount }, tags };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Asserts that every id was seen exactly once: none missing, none twice. */
export function expectExactlyOnce(expected: readonly string[], seen: ReadonlyMap<string, number>): void {
  const expectedSet = new Set(expected);
  const missing = expected.filter((id) => !seen.has(id));
  const duplicated = [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  const unexpected = [...seen.keys()].filter((id) => !expectedSet.has(id));
  expect({ expected: expectedSet.size, missing: missing.length, duplicated: duplicated.length, unexpected: unexpected.length }).toEqual({
    expected: expected.length,
    missing: 0,
    duplicated: 0,
    unexpected: 0,
  });
}

/** Ids of every stored event, in position order. */
export async function storedIds(client: pg.Client, where = 'true'): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(`SELECT id::text FROM tally.events WHERE ${where} ORDER BY position`);
  return rows.map((row) => row.id);
}
