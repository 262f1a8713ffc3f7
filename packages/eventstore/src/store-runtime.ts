import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { EventCodec } from './codec/event-codec.js';
import { classifyDatabaseError, type DatabaseOperation } from './classify-database-error.js';
import { ConfigurationError, StoreClosedError } from './errors.js';
import { HeadSigner } from './head.js';
import { CoalescingNotifier } from './notifier.js';
import type { EventStoreOptions, ResolvedOptions } from './options.js';
import type { EventStoreTables } from './schema/tables.js';
import { appendStatements, type AppendStatements } from './sql/append-events.js';
import { kyselyRunner, poolRunner, StatementNames, type StatementRunner } from './sql/runner.js';
import { horizonKeys, type HorizonKeys } from './sql/settle.js';

/** What every session of one store shares: its connections, prepared statement texts, head secret, and state. */
export class StoreRuntime {
  readonly rootDb: Kysely<EventStoreTables>;
  /** Runs statements outside any caller transaction (autocommit): on the store's pool, or the caller's Kysely. */
  readonly rootRun: StatementRunner;
  readonly notifier: CoalescingNotifier;
  readonly appendSql: AppendStatements;
  readonly readNames: StatementNames;
  readonly keys: HorizonKeys;
  readonly #ownDb: Kysely<EventStoreTables> | undefined;
  readonly #ownPool: pg.Pool | undefined;
  #signer: Promise<HeadSigner> | undefined;
  #closed = false;

  constructor(
    options: EventStoreOptions,
    readonly settings: ResolvedOptions,
    /** The store's codec: what every append encodes and every read decodes through. */
    readonly codec: EventCodec,
  ) {
    const { schema } = settings;
    if ('db' in options && options.db) {
      this.rootDb = options.db as unknown as Kysely<EventStoreTables>;
      this.rootRun = kyselyRunner(this.rootDb as unknown as Kysely<unknown>);
    } else if (typeof options.connectionString === 'string' && options.connectionString !== '') {
      const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
      pool.on('error', () => {}); // an idle client lost its server: the pool replaces it on next use
      // A checked-out client has no pool listener: a server shutdown (57P01) arriving between a query's end and
      // the client's release would otherwise be an uncaught exception. Queries still reject; the pool drops the client.
      pool.on('connect', (client) => client.on('error', () => {}));
      this.#ownDb = new Kysely<EventStoreTables>({ dialect: new PostgresDialect({ pool }) });
      this.#ownPool = pool;
      this.rootDb = this.#ownDb;
      // The hot statements (append, read) go to the pool directly, prepared once per connection.
      this.rootRun = poolRunner(pool);
    } else {
      throw new ConfigurationError('createEventStore needs either { connectionString } or { db }');
    }
    this.notifier = new CoalescingNotifier(this.rootRun, settings.channel, settings.notifyIntervalMs);
    this.appendSql = appendStatements(schema);
    this.readNames = new StatementNames(`tally_read_${schema}_`);
    this.keys = horizonKeys(schema);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs `work`, turning driver errors into the store's typed errors (`operation` makes them more precise). */
  guard<T>(work: () => Promise<T>, operation?: DatabaseOperation): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreClosedError());
    // A promise chain, not an async function: every append runs through here, and each promise counts once an
    // SDK's context manager watches them all (bench:tracing).
    let running: Promise<T>;
    try {
      running = work();
    } catch (error) {
      return Promise.reject(classifyDatabaseError(error, operation));
    }
    return running.catch((error: unknown) => {
      throw classifyDatabaseError(error, operation);
    });
  }

  /**
   * The signer of this store's heads; its secret is read once (again after `forgetSigner`), on `run`: the
   * connection of the session that needs it, so a session inside a transaction never waits for a second
   * connection of the pool (which other transactions, waiting for this one's locks, may all hold).
   */
  signer(run: StatementRunner = this.rootRun): Promise<HeadSigner> {
    this.#signer ??= run<{ store_id: string; secret: Buffer }>(`SELECT store_id::text, secret FROM "${this.settings.schema}".store_identity`, [])
      .then((rows) => {
        if (!rows[0]) throw new ConfigurationError(`the store in schema "${this.settings.schema}" has no identity: run migrate()`);
        return new HeadSigner(rows[0].store_id, rows[0].secret);
      })
      .catch((error: unknown) => {
        this.#signer = undefined;
        throw error;
      });
    return this.#signer;
  }

  /** After `migrate()`, or a head refused by the database: the identity may have been replaced (a restore was detected). */
  forgetSigner(): void {
    this.#signer = undefined;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.notifier.drain();
    await this.#ownDb?.destroy();
    // Kysely ends the pool only if a Kysely query ever ran on it; appends and reads bypass Kysely.
    if (this.#ownPool && !this.#ownPool.ending && !this.#ownPool.ended) await this.#ownPool.end();
  }
}
