import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import { createEventStore, type EventStore } from '../src/index.js';

/** The events the store's tests use. */
export type TestEvent =
  | { type: 'AccountOpened'; data: { accountId: string; customerName: string; currency: string } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number } }
  | { type: 'MoneyTransferred'; data: { from: string; to: string; amount: number } };

/**
 * A fresh migrated database for this test file, a store on it, a Kysely instance on it (`db`, for the caller
 * transactions a test holds open and joins with `store.with(trx)`; its pool connects on first use), and cleanup
 * after the file.
 * `clients(n)` opens n stores of one connection each for a race; close them with `closeAll` when the test ends,
 * so a file never holds more connections than one test needs (the machine's server allows 100).
 */
export async function setupStore(options: { maxConnections?: number; dbConnections?: number } = {}): Promise<{
  database: TestDatabase;
  store: EventStore<TestEvent>;
  db: Kysely<object>;
  newStore: (opts?: { maxConnections?: number }) => EventStore<TestEvent>;
  clients: (n: number) => EventStore<TestEvent>[];
}> {
  const database = await createTestDatabase();
  const opened: EventStore<TestEvent>[] = [];
  const newStore = (opts: { maxConnections?: number } = {}) => {
    const store = createEventStore<TestEvent>({ connectionString: database.url, maxConnections: opts.maxConnections ?? 10 });
    opened.push(store);
    return store;
  };
  const clients = (n: number) => Array.from({ length: n }, () => newStore({ maxConnections: 1 }));
  const store = newStore(options);
  const pool = new pg.Pool({ connectionString: database.url, max: options.dbConnections ?? 4 });
  // Tests kill sessions and the database is dropped WITH (FORCE): a connection ended under the pool must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
  afterAll(async () => {
    await db.destroy();
    await Promise.all(opened.map((s) => s.close()));
    await database.drop();
  });
  return { database, store, db, newStore, clients };
}

/** A raw `pg` client on the test database, closed after the file. */
export async function rawClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  afterAll(() => client.end());
  return client;
}

/** Closes the given stores (their pools). */
export async function closeAll(stores: readonly EventStore<TestEvent>[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}
