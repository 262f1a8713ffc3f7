import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createEventStore, type EventStore } from '../create-event-store.js';
import { ConfigurationError } from '../errors.js';
import type { EventShape } from '../types.js';

/** Options of {@link createTestStore}. */
export interface TestStoreOptions {
  /** An existing database the test may create and drop schemas in. */
  readonly connectionString: string;
  /**
   * Name of the schema to create: a lower-case SQL identifier that does not exist yet.
   * @defaultValue `test_` followed by 16 random hex digits
   */
  readonly schema?: string;
  /**
   * Size of the store's pool.
   * @defaultValue 4
   */
  readonly maxConnections?: number;
}

/** A store in a schema of its own, and the way to remove both. */
export interface TestStore<E extends EventShape> {
  readonly store: EventStore<E>;
  /** The schema holding the store's tables. */
  readonly schema: string;
  /** Closes the store and drops its schema with everything in it (`DROP SCHEMA … CASCADE`). Safe to call twice. */
  drop(): Promise<void>;
}

async function onClient<T>(connectionString: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => {}); // a lost connection still rejects the query in flight
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates an event store in a fresh, uniquely named schema of an existing database and migrates it, so that
 * tests sharing one database never see each other's events. Call `drop()` when the test is done.
 * @example
 * const { store, drop } = await createTestStore<BankEvent>({ connectionString: process.env.DATABASE_URL! });
 * try {
 *   await store.append([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 } }]);
 * } finally {
 *   await drop();
 * }
 * @throws {ConfigurationError} when `schema` is not a lower-case SQL identifier or already exists
 * @throws {DatabaseUnavailableError} (or the driver's error) when the database cannot be reached or migrated
 */
export async function createTestStore<E extends EventShape>(options: TestStoreOptions): Promise<TestStore<E>> {
  const schema = options.schema ?? `test_${randomBytes(8).toString('hex')}`;
  const store = createEventStore<E>({ connectionString: options.connectionString, schema, maxConnections: options.maxConnections ?? 4 });
  let dropping: Promise<void> | undefined;
  const drop = (): Promise<void> =>
    (dropping ??= (async () => {
      await store.close();
      await onClient(options.connectionString, (client) => client.query(`DROP SCHEMA IF EXISTS ${client.escapeIdentifier(schema)} CASCADE`));
    })());
  try {
    const exists = await onClient(options.connectionString, (client) =>
      client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]).then((result) => (result.rowCount ?? 0) > 0),
    );
    if (exists) {
      await store.close();
      throw new ConfigurationError(`schema "${schema}" already exists: a test store needs a fresh schema (drop() would remove it)`);
    }
    await store.migrate();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) await drop().catch(() => {});
    throw error;
  }
  return { store, schema, drop };
}
