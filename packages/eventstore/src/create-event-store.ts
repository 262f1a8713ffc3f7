import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import {
  AppendConditionError,
  classifyDatabaseError,
  ConfigurationError,
  EventIdConflictError,
  InvalidQueryError,
  StoreClosedError,
  UnsupportedIsolationError,
} from './errors.js';
import { planLocks } from './lock-keys.js';
import { toStoredEvent } from './map-row.js';
import { CoalescingNotifier } from './notifier.js';
import { migrateSchema } from './schema/migrate.js';
import { REPEATABLE_READ_SQLSTATE, type EventStoreTables } from './schema/tables.js';
import { appendEvents, appendStatements, type AppendOutcome } from './sql/append-events.js';
import { readEvents } from './sql/read-events.js';
import { readPage } from './sql/read-page.js';
import { readSettled, settledHorizon } from './sql/read-settled.js';
import { kyselyRunner, poolRunner, StatementNames, type StatementRunner } from './sql/runner.js';
import type {
  AppendOptions,
  AppendResult,
  EventShape,
  Head,
  NewEvent,
  Query,
  QueryResult,
  ReadOptions,
  ReadResult,
  SettledCheckpoint,
  StoredEvent,
  StreamOptions,
} from './types.js';
import {
  prepareEvents,
  validateHead,
  validatePosition,
  validatePositiveInteger,
  validateQuery,
} from './validation.js';

/** How appends wake up listeners. */
export type NotifyMode = 'after-commit' | 'in-transaction' | 'off';

interface CommonOptions {
  /** Schema holding the store's tables and functions. @defaultValue 'tally' */
  readonly schema?: string;
  /** NOTIFY channel appends signal on. @defaultValue `${schema}_events` */
  readonly channel?: string;
  /**
   * `after-commit`: one coalesced NOTIFY after commits (a lost one costs a poll interval);
   * `in-transaction`: NOTIFY inside each append (serialises commits cluster-wide); `off`: polling only.
   * Appends through `with(trx)` always notify inside the caller's transaction (unless `off`).
   * @defaultValue 'after-commit'
   */
  readonly notify?: NotifyMode;
  /**
   * With `notify: 'after-commit'`: the least time between two notifications. Appends in between are
   * announced together by the next one; the first append after a quiet spell is announced at once. With 0,
   * notifications are only coalesced while one is in flight. A longer interval trades subscription latency
   * for appender throughput: one client appending in a loop measured 0.53× of a raw INSERT with a NOTIFY per
   * append, 0.60× at 5 ms, 0.68× at 20 ms, 0.71× with none (`pnpm --filter @tally/bench run bench:notify`);
   * commit-to-handler latency at 500 appends/s (`bench:stream`, same machine and day) was p50 3.1 ms at 0,
   * 3.0–3.5 ms at 5 ms and 11.1 ms at 20 ms.
   * @defaultValue 5
   */
  readonly notifyIntervalMs?: number;
  /** Largest `data` + `metadata` of one event, in bytes of JSON. @defaultValue 1048576 */
  readonly maxEventBytes?: number;
  /** Above this many distinct lock keys, a batch locks as a bulk write. @defaultValue 256 */
  readonly maxFineLocks?: number;
}

/** Options of {@link createEventStore}: a connection string (the store owns its pool) or a Kysely instance (the caller owns it). */
/**
 * Any Kysely instance or transaction, whatever its database type: Kysely is invariant in that type, so the
 * store asks only for the shape it uses and works on its own tables through it.
 */
export interface KyselyInstance {
  withSchema(schema: string): unknown;
  connection(): unknown;
  startTransaction(): unknown;
}

export type EventStoreOptions = CommonOptions &
  (
    | {
        readonly connectionString: string;
        /** Pool size. @defaultValue 10 */
        readonly maxConnections?: number;
        readonly db?: never;
      }
    | { readonly db: KyselyInstance; readonly connectionString?: never }
  );

/** Reads and appends bound to one connection or transaction. */
export interface EventStoreSession<E extends EventShape> {
  /**
   * Appends events atomically, in order. With `condition`, fails with {@link AppendConditionError} if an
   * event matching `condition.query` exists that the read producing `condition.after` did not see.
   * @throws {AppendConditionError} {@link InvalidEventError} {@link InvalidQueryError} {@link EventIdConflictError}
   */
  append(events: readonly NewEvent<E>[], options?: AppendOptions<E>): Promise<AppendResult>;
  /**
   * Reads matching events in position order, with the `head` to use as the condition of a later append.
   * @example
   * const { events, head } = await store.read([{ types: ['MoneyDeposited'], tags: ['account:a1'] }]);
   * await store.append([withdrawal], { condition: { query, after: head } });
   */
  read<const Q extends Query<E> = Query<E>>(query?: Q, options?: ReadOptions): Promise<ReadResult<QueryResult<E, Q>>>;
  /** Iterates matching events in position order, one page in memory at a time, from one consistent snapshot. */
  stream<const Q extends Query<E> = Query<E>>(query?: Q, options?: StreamOptions): AsyncIterable<QueryResult<E, Q>>;
  /**
   * Events of settled transactions after `after`, in `(transactionId, position)` order, and the checkpoint to
   * continue from. Gap-free under out-of-order commits: the read behind subscriptions and projections.
   */
  readSettled<const Q extends Query<E> = Query<E>>(
    query: Q | undefined,
    options: { readonly after: SettledCheckpoint; readonly limit: number },
  ): Promise<{ events: QueryResult<E, Q>[]; checkpoint: SettledCheckpoint }>;
  /** The settled checkpoint of this moment (where a subscription `after: 'end'` starts). */
  settledCheckpoint(): Promise<SettledCheckpoint>;
}

/** A typed event store on PostgreSQL. */
export interface EventStore<E extends EventShape> extends EventStoreSession<E> {
  readonly schema: string;
  readonly channel: string;
  /** Creates or updates the schema (tables, indexes, triggers, functions). Idempotent; safe to run concurrently. */
  migrate(): Promise<void>;
  /** The same operations inside the caller's Kysely transaction (or on its connection). */
  with(trx: KyselyInstance): EventStoreSession<E>;
  /** Waits for pending notifications and closes the pool if the store created it. Safe to call twice. */
  close(): Promise<void>;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;
const initialCheckpoint: SettledCheckpoint = { transactionId: 0n, position: 0n };

/**
 * Creates an event store for the event union `E`.
 * @example
 * type BankEvent =
 *   | { type: 'AccountOpened'; data: { accountId: string; currency: string } }
 *   | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } };
 * const store = createEventStore<BankEvent>({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * @throws {ConfigurationError} on an invalid schema name or channel
 */
export function createEventStore<E extends EventShape>(options: EventStoreOptions): EventStore<E> {
  const schema = options.schema ?? 'tally';
  if (!schemaPattern.test(schema)) {
    throw new ConfigurationError(`schema must be a lower-case SQL identifier (a-z, 0-9, _), got "${schema}"`);
  }
  const channel = options.channel ?? `${schema}_events`;
  if (typeof channel !== 'string' || channel === '' || channel.length > 63) {
    throw new ConfigurationError('channel must be a non-empty string of at most 63 characters');
  }
  const notifyMode: NotifyMode = options.notify ?? 'after-commit';
  const maxEventBytes = options.maxEventBytes ?? 1024 * 1024;
  const maxFineLocks = options.maxFineLocks ?? 256;
  const notifyIntervalMs = options.notifyIntervalMs ?? 5;
  if (typeof notifyIntervalMs !== 'number' || !Number.isFinite(notifyIntervalMs) || notifyIntervalMs < 0) {
    throw new ConfigurationError('notifyIntervalMs must be a non-negative number of milliseconds');
  }

  let ownDb: Kysely<EventStoreTables> | undefined;
  let ownPool: pg.Pool | undefined;
  let rootDb: Kysely<EventStoreTables>;
  let rootRun: StatementRunner;
  if ('db' in options && options.db) {
    rootDb = options.db as unknown as Kysely<EventStoreTables>;
    rootRun = kyselyRunner(rootDb as unknown as Kysely<unknown>);
  } else if (typeof options.connectionString === 'string' && options.connectionString !== '') {
    const pool = new pg.Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    pool.on('error', () => {}); // an idle client lost its server: the pool replaces it on next use
    // A checked-out client has no pool listener: a server shutdown (57P01) arriving between a query's end and
    // the client's release would otherwise be an uncaught exception. Queries still reject; the pool drops the client.
    pool.on('connect', (client) => client.on('error', () => {}));
    ownDb = new Kysely<EventStoreTables>({ dialect: new PostgresDialect({ pool }) });
    ownPool = pool;
    rootDb = ownDb;
    // The hot statements (append, read) go to the pool directly, prepared once per connection.
    rootRun = poolRunner(pool);
  } else {
    throw new ConfigurationError('createEventStore needs either { connectionString } or { db }');
  }
  const db = rootDb.withSchema(schema);
  const notifier = new CoalescingNotifier(rootRun, channel, notifyIntervalMs);
  const appendSql = appendStatements(schema);
  const readNames = new StatementNames(`tally_read_${schema}_`);
  let closed = false;

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) throw new StoreClosedError();
    try {
      return await work();
    } catch (error) {
      throw classifyDatabaseError(error);
    }
  };

  function session(conn: Kysely<EventStoreTables>, run: StatementRunner, inTransaction: boolean): EventStoreSession<E> {
    return {
      append: (events, appendOptions = {}) =>
        guard(async () => {
          const prepared = prepareEvents(events, appendOptions.metadata, maxEventBytes);
          const condition = appendOptions.condition;
          if (condition !== undefined) {
            if (typeof condition !== 'object' || condition === null || !Array.isArray(condition.query)) {
              throw new InvalidQueryError('INVALID_CONDITION', 'condition needs a query (an array of query items)', 'condition.query');
            }
            if (condition.query.length === 0) {
              throw new InvalidQueryError('INVALID_CONDITION', 'condition.query is empty: it would match every event', 'condition.query');
            }
            validateQuery(condition.query, 'condition.query');
            if (condition.after !== undefined) validateHead(condition.after);
          }
          const checkIds = prepared.some((event) => event.id !== undefined);
          const rows = prepared.map((event) => ({ ...event, id: event.id ?? uuidv7() }));
          const input = {
            eventsJson: JSON.stringify(rows),
            locks: planLocks(schema, prepared, condition?.query, maxFineLocks),
            checkIds,
            queryJson: condition ? JSON.stringify(condition.query) : null,
            snapshot: condition?.after ?? null,
            notifyChannel: notifyMode === 'in-transaction' || (inTransaction && notifyMode !== 'off') ? channel : null,
          };
          let result: AppendOutcome;
          try {
            result = await appendEvents(run, appendSql, input);
          } catch (error) {
            const code = (error as { code?: unknown }).code;
            if (code === REPEATABLE_READ_SQLSTATE) throw new UnsupportedIsolationError();
            // Two appends of the same new ids raced past the id check; the loser retries, and then finds the
            // winner's events (idempotent success, or a conflict). Inside a caller's transaction it cannot.
            if (code === '23505' && checkIds && !inTransaction) {
              result = await appendEvents(run, appendSql, input);
            } else if (code === '23505' && checkIds) {
              throw new EventIdConflictError(rows.find((r) => r.id)!.id);
            } else {
              throw error;
            }
          }
          switch (result.outcome) {
            case 'condition-failed':
              throw new AppendConditionError({ query: condition?.query ?? [], after: condition?.after });
            case 'id-conflict':
              throw new EventIdConflictError(result.conflictId);
            case 'duplicate':
              return { positions: result.positions, lastPosition: result.positions[result.positions.length - 1]!, duplicate: true };
            case 'appended': {
              const lastPosition = result.positions[result.positions.length - 1]!;
              if (notifyMode === 'after-commit' && !inTransaction) notifier.notify(lastPosition);
              return {
                positions: result.positions,
                lastPosition,
                duplicate: false,
                ...(result.head === null ? {} : { head: result.head as Head }),
              };
            }
          }
        }),

      read: <const Q extends Query<E> = Query<E>>(query?: Q, readOptions: ReadOptions = {}) =>
        guard(async () => {
          if (query !== undefined) validateQuery(query);
          validatePosition(readOptions.after, 'options.after');
          validatePositiveInteger(readOptions.limit, 'options.limit');
          const { rows, snapshot } = await readEvents(run, readNames, schema, query, readOptions);
          return { events: rows.map((row) => toStoredEvent(row)) as QueryResult<E, Q>[], head: snapshot as Head };
        }),

      stream: <const Q extends Query<E> = Query<E>>(query?: Q, streamOptions: StreamOptions = {}) => {
        if (query !== undefined) validateQuery(query);
        validatePosition(streamOptions.after, 'options.after');
        validatePositiveInteger(streamOptions.batchSize, 'options.batchSize');
        const batchSize = streamOptions.batchSize ?? 1000;
        return streamPages<QueryResult<E, Q>>(conn, inTransaction, query, batchSize, streamOptions.after ?? 0n);
      },

      readSettled: <const Q extends Query<E> = Query<E>>(
        query: Q | undefined,
        settledOptions: { readonly after: SettledCheckpoint; readonly limit: number },
      ) =>
        guard(async () => {
          if (query !== undefined) validateQuery(query);
          validatePositiveInteger(settledOptions.limit, 'options.limit');
          const { rows, checkpoint } = await readSettled(conn, query, settledOptions.after ?? initialCheckpoint, settledOptions.limit);
          return { events: rows.map((row) => toStoredEvent(row)) as QueryResult<E, Q>[], checkpoint };
        }),

      settledCheckpoint: () => guard(() => settledHorizon(conn)),
    };
  }

  /**
   * Pages through the table by position. Outside a transaction it opens a REPEATABLE READ, READ ONLY one,
   * so every page comes from the same snapshot and no event committing mid-scan can slip in behind it.
   */
  async function* streamPages<Ev>(
    conn: Kysely<EventStoreTables>,
    inTransaction: boolean,
    query: Query<E> | undefined,
    batchSize: number,
    start: bigint,
  ): AsyncGenerator<Ev> {
    if (closed) throw new StoreClosedError();
    const trx = inTransaction
      ? undefined
      : await guard(() => conn.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute());
    const pageConn = (trx ?? conn).withSchema(schema);
    let finished = false;
    try {
      let after = start;
      for (;;) {
        const rows = await guard(() => readPage(pageConn, query, after, batchSize));
        for (const row of rows) yield toStoredEvent(row) as Ev;
        if (rows.length < batchSize) break;
        after = BigInt(rows[rows.length - 1]!.position);
      }
      finished = true;
    } finally {
      if (trx) {
        if (finished) await trx.commit().execute();
        else await trx.rollback().execute().catch(() => {});
      }
    }
  }

  const rootSession = session(db, rootRun, false);
  return {
    ...rootSession,
    schema,
    channel,
    migrate: () => guard(() => migrateSchema(rootDb as unknown as Kysely<unknown>, schema)),
    with: (trx) => {
      if (closed) throw new StoreClosedError();
      return session((trx as unknown as Kysely<EventStoreTables>).withSchema(schema), kyselyRunner(trx as unknown as Kysely<unknown>), true);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await notifier.drain();
      await ownDb?.destroy();
      // Kysely ends the pool only if a Kysely query ever ran on it; appends and reads bypass Kysely.
      if (ownPool && !ownPool.ending && !ownPool.ended) await ownPool.end();
    },
  };
}
