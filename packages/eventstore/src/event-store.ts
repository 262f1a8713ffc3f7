import type {
  AppendResult,
  CheckedAppendOptions,
  CheckedQuery,
  DecisionSnapshot,
  EventShape,
  Horizon,
  Lag,
  NewEvent,
  Query,
  QueryResult,
  ReadOptions,
  ReadResult,
  SettledCheckpoint,
  StreamOptions,
} from './types.js';
import type { KyselyInstance } from './options.js';
import type { PersonalDataOperations } from './personal-data/personal-data-operations.js';
import type { SealResult, VerifyOptions, VerifyResult } from './verify-types.js';

/** Reads and appends bound to one connection or transaction. */
export interface EventStoreSession<E extends EventShape> {
  /**
   * Appends events atomically, in order. With `condition`, fails with {@link AppendConditionError} if an
   * event matching `condition.query` exists that the read producing `condition.after` did not see.
   * @throws {AppendConditionError} {@link InvalidEventError} {@link InvalidQueryError} {@link EventIdConflictError}
   * {@link TransactionTooOldError} (the transaction held an id past `horizonGraceMs` before appending: followers passed it)
   * {@link DatabaseUnavailableError} (the connection was lost: the append may have committed; retry with the same event ids)
   */
  append<const Q extends Query<E> = Query<E>>(events: readonly NewEvent<E>[], options?: CheckedAppendOptions<E, Q>): Promise<AppendResult>;
  /**
   * Reads matching events in position order, with the `head` to use as the condition of a later append.
   * @example
   * const { events, head } = await store.read([{ types: ['MoneyDeposited'], tags: ['account:a1'] }]);
   * await store.append([withdrawal], { condition: { query, after: head } });
   */
  read<const Q extends Query<E> = Query<E>>(query?: CheckedQuery<E, Q>, options?: ReadOptions): Promise<ReadResult<QueryResult<E, Q>>>;
  /** Iterates matching events in position order, one page in memory at a time, from one consistent snapshot. */
  stream<const Q extends Query<E> = Query<E>>(query?: CheckedQuery<E, Q>, options?: StreamOptions): AsyncIterable<QueryResult<E, Q>>;
  /**
   * Events of settled transactions after `after`, in `(transactionId, position)` order, and the checkpoint to
   * continue from. Gap-free under out-of-order commits: the read behind subscriptions and projections. Inside a
   * caller's transaction, that transaction must be READ COMMITTED.
   * @throws {UnsupportedIsolationError} inside a REPEATABLE READ or SERIALIZABLE transaction
   */
  readSettled<const Q extends Query<E> = Query<E>>(
    query: CheckedQuery<E, Q> | undefined,
    options: { readonly after: SettledCheckpoint; readonly limit: number },
  ): Promise<{ events: QueryResult<E, Q>[]; checkpoint: SettledCheckpoint }>;
  /** The settled checkpoint of this moment (where a subscription `after: 'end'` starts). */
  settledCheckpoint(): Promise<SettledCheckpoint>;
  /**
   * How far a follower at checkpoint `after` is behind: committed events matching `query` that it has not
   * handled, settled or not (counted up to `limit`, default 10,000), and the age of the oldest. A count: for
   * status pages and metrics, cheap enough to call often.
   */
  lag<const Q extends Query<E> = Query<E>>(query: CheckedQuery<E, Q> | undefined, options: { readonly after: SettledCheckpoint; readonly limit?: number }): Promise<Lag>;
  /**
   * Declares that the current transaction never appends to this store (a projection batch that only reads
   * events and writes read tables): followers stop waiting for it at once, and an append from it is refused
   * with {@link TransactionTooOldError}. Use it through `with(trx)`; it lasts until the transaction ends.
   */
  declareNoAppend(): Promise<void>;
  /**
   * Takes the locks an append guarded by `query` takes, exclusively, until the transaction ends: appends that
   * could match `query` wait for it, so a read → decide → append in this transaction never conflicts. Use it
   * inside `transaction()` or `with(trx)`; outside a transaction it is released at once.
   */
  lockCondition<const Q extends Query<E> = Query<E>>(query: CheckedQuery<E, Q>): Promise<void>;
}

/** A typed event store on PostgreSQL. */
export interface EventStore<E extends EventShape> extends EventStoreSession<E>, PersonalDataOperations {
  readonly schema: string;
  readonly channel: string;
  /**
   * Creates or updates the schema (tables, indexes, triggers, functions). Idempotent; safe to run concurrently.
   * After a restore into another cluster (or a copy into another database) it makes the store whole there:
   * restored events become settled and seen, and heads of the old cluster are refused (`INVALID_HEAD`).
   */
  migrate(): Promise<void>;
  /** The same operations inside the caller's Kysely transaction (or on its connection). */
  with(trx: KyselyInstance): EventStoreSession<E>;
  /**
   * Runs `work` in a READ COMMITTED transaction of the store's own connections: committed when it resolves,
   * rolled back when it throws.
   */
  transaction<T>(work: (session: EventStoreSession<E>) => Promise<T>): Promise<T>;
  /**
   * How far followers can read now, and the transactions holding them back (pid, database, application,
   * state, age): what to look at when a projection or subscription lags.
   */
  horizon(): Promise<Horizon>;
  /**
   * Seals every settled event not sealed yet into the store's hash chain (`event_seals`): what `verify()` checks
   * the events against. Idempotent, and safe when several processes call it at once (they queue on one lock; each
   * event is sealed once). The append path does no hashing: a projector worker calls this periodically (see
   * `sealIntervalMs` in `@tally/projections`), or call it from a job of your own. Returns the chain `head` to
   * record outside the database.
   */
  seal(): Promise<SealResult>;
  /**
   * Proves that the sealed events are the ones that were appended: recomputes each sealed event's digest from
   * what is stored and compares it, in the chain's order, with its seal; checks the chain of seals, and
   * `expectedHead` when given. An event edited, deleted, inserted or moved (with the triggers disabled) makes
   * it `ok: false` with the first broken position. Events not sealed yet are counted in `unsealed`, not checked.
   * @throws {InvalidQueryError} `INVALID_OPTION` for a bad `from`, `to` or `expectedHead`
   */
  verify(options?: VerifyOptions): Promise<VerifyResult>;
  /** The snapshot `@tally/decisions` saved for a decision and key, if any. */
  loadSnapshot(decision: string, key: string): Promise<DecisionSnapshot | undefined>;
  /** Saves a decision's snapshot (replacing an older one of the same decision and key; never a newer one). */
  saveSnapshot(snapshot: DecisionSnapshot): Promise<void>;
  /** Waits for pending notifications and closes the pool if the store created it. Safe to call twice. */
  close(): Promise<void>;
}
