import type { EventEmitter } from 'node:events';
import type { CheckedQuery, EventShape, EventStore, HorizonBlocker, Query, QueryResult } from '@tally/eventstore';
import type { Checkpoint, StartFrom } from './checkpoint.js';
import type {
  ListenerError,
  SubscriptionHandlerError,
  SubscriptionReadError,
  EventStreamError,
} from './errors.js';

/** Options of `createEventStream`. */
export interface EventStreamOptions<E extends EventShape> {
  /**
   * The store to read from, through its gap-free `readSettled` (the stream never closes it). Its event
   * union types every subscription's batches.
   */
  readonly store: EventStore<E>;
  /** Connection string of the database, for the stream's one LISTEN connection. */
  readonly connectionString: string;
  /** Channel to LISTEN on. @defaultValue `store.channel` */
  readonly channel?: string;
  /** How often each subscription reads even without a notification (NOTIFY is only a hint). @defaultValue 1000 */
  readonly pollIntervalMs?: number;
  /** How many handlers (of different subscriptions) may run at once. @defaultValue 10 */
  readonly concurrency?: number;
  /** `application_name` of the LISTEN connection, to find it in `pg_stat_activity`. @defaultValue 'tally-eventstream' */
  readonly applicationName?: string;
  /**
   * How long the store's horizon may hold committed events back before the stream emits `stalled` (naming the
   * transactions responsible); 0 turns the check off. @defaultValue 10000
   */
  readonly stallThresholdMs?: number;
}

/** The horizon has held committed events back for longer than `stallThresholdMs`. */
export interface StallInfo {
  /** Where followers are held: nothing after this checkpoint can be delivered yet. */
  readonly horizon: Checkpoint;
  /** The transactions holding it, oldest first (pid, database, application, state, age). */
  readonly blockers: readonly HorizonBlocker[];
  /** Committed events followers cannot read yet (counted up to 10,000). */
  readonly unsettledEvents: number;
  /** Since when the horizon has not moved while events waited. */
  readonly stalledForMs: number;
}

/** What a subscription does after a batch failed `maxAttempts` times: stop before it (default), or skip it. */
export type HandlerErrorPolicy = 'stop' | 'skip';

/** Options of `stream.subscribe`. */
export interface SubscribeOptions<E extends EventShape, Q extends Query<E> = Query<E>> {
  /** Which events to deliver (filtered in SQL). Omit for every event. Each item's `data` is checked against its types. */
  readonly query?: CheckedQuery<E, Q>;
  /** A stored {@link Checkpoint} to resume from, `'start'` for every event, or `'end'` for events settled from now on. */
  readonly after: StartFrom;
  /** Most events per batch; also how far the subscription reads ahead. @defaultValue 100 */
  readonly batchSize?: number;
  /** Longest wait, from when the first undelivered event was read, before delivering a batch that is not full. @defaultValue 20 */
  readonly maxWaitMs?: number;
  /** Name used in errors and events. @defaultValue `subscription-<n>` */
  readonly name?: string;
  /** Calls of the handler per batch (the first one included) before giving up on it. @defaultValue 5 */
  readonly maxAttempts?: number;
  /**
   * Longest time one call of the handler may take. Past it the attempt is abandoned (its `signal` is aborted,
   * the stream's handler slot is freed) and counts as a failed attempt, retried like a throw; `stop()` never
   * waits longer than this for a batch in flight. @defaultValue 30000
   */
  readonly handlerTimeoutMs?: number;
  /** Delay before the first retry of a failed batch; it doubles on each retry (with jitter). @defaultValue 100 */
  readonly retryDelayMs?: number;
  /** Longest delay between two retries of a failed batch. @defaultValue 10000 */
  readonly maxRetryDelayMs?: number;
  /**
   * After the last attempt: `'stop'` stops the subscription in the `failed` state, its checkpoint before the
   * batch; `'skip'` reports the error and moves past the batch (its events are never delivered again).
   * @defaultValue 'stop'
   */
  readonly onHandlerError?: HandlerErrorPolicy;
}

/** What a handler gets besides the events. */
export interface BatchContext {
  /** The checkpoint after this batch: store it with the batch's effects to resume exactly after it. */
  readonly checkpoint: Checkpoint;
  /** The checkpoint this batch follows (the previous batch's `checkpoint`). */
  readonly after: Checkpoint;
  /** 1 on the first call with this batch, then 2, 3 … on retries. */
  readonly attempt: number;
  /** Name of the subscription. */
  readonly subscription: string;
  /** Aborted when `stop()` or `close()` is called: a long handler may give up early (the batch then counts as not handled). */
  readonly signal: AbortSignal;
}

/** Handles one batch; the subscription advances past it only when the returned promise resolves. */
export type BatchHandler<Ev> = (batch: readonly Ev[], context: BatchContext) => Promise<void> | void;

/** The handler type for a query `Q` over the event union `E`: events narrowed to the query's types. */
export type BatchHandlerFor<E extends EventShape, Q extends Query<E> = Query<E>> = BatchHandler<QueryResult<E, Q>>;

/** Where a subscription is in its life. */
export type SubscriptionState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

/** A batch the handler finished. */
export interface BatchInfo {
  readonly subscription: string;
  readonly size: number;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  /** The checkpoint the batch followed. */
  readonly after: Checkpoint;
  /** The subscription's checkpoint now. */
  readonly checkpoint: Checkpoint;
  /** Calls of the handler it took. */
  readonly attempts: number;
}

/** A handler call failed and will be retried with the same batch. */
export interface RetryInfo {
  readonly subscription: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Milliseconds until the next attempt. */
  readonly delayMs: number;
  readonly firstPosition: bigint;
  readonly lastPosition: bigint;
  readonly error: Error;
}

/** Events of a {@link Subscription}. */
export interface SubscriptionEventMap {
  /**
   * `SubscriptionHandlerError`: a batch failed `maxAttempts` times (the state is then `failed`, unless
   * `onHandlerError: 'skip'`). `SubscriptionReadError`: a read failed; it is retried with backoff, unless
   * no retry can help (a closed store, an invalid query), and then the state is `failed`. Without an `error`
   * listener these become process warnings (`process.emitWarning`), never crashes.
   */
  error: [error: SubscriptionHandlerError | SubscriptionReadError];
  /** Every event settled as of the last read has been handled. Emitted once each time it becomes true. */
  'caught-up': [info: { readonly subscription: string; readonly checkpoint: Checkpoint }];
  /** A batch was handled and the checkpoint moved past it. */
  batch: [info: BatchInfo];
  /** A handler call failed; the same batch is retried after a delay. */
  retry: [info: RetryInfo];
}

/** A running subscription: delivers matching events in batches, in order, each once, one batch at a time. */
export interface Subscription extends EventEmitter<SubscriptionEventMap> {
  readonly name: string;
  readonly state: SubscriptionState;
  /**
   * Where the last fully handled batch ended (or where the subscription started): pass it as `after` to resume.
   * `undefined` only while an `after: 'end'` subscription is still finding out where the end is.
   */
  readonly checkpoint: Checkpoint | undefined;
  /** Why the subscription is `failed`. */
  readonly error: EventStreamError | undefined;
  /** Stops reading, waits for the batch in flight (if any), and resolves. Safe to call twice or at once. */
  stop(): Promise<void>;
}

/** Events of an {@link EventStream}. */
export interface EventStreamEventMap {
  /** The LISTEN connection failed or was lost; subscriptions keep polling while it reconnects. */
  error: [error: ListenerError];
  /** LISTEN is (again) in place; `reconnected` is false the first time. Every subscription then re-reads. */
  listening: [info: { readonly reconnected: boolean }];
  /**
   * Committed events have waited behind the store's horizon for `stallThresholdMs`: `blockers` says who holds it
   * (see `store.horizon()`). Emitted once per stall; without a listener it becomes a process warning.
   */
  stalled: [info: StallInfo];
  /** The horizon moved again after a `stalled`. */
  'stall-ended': [info: { readonly horizon: Checkpoint; readonly stalledForMs: number }];
}

/** Subscriptions over one event store, sharing one LISTEN connection and one handler queue. */
export interface EventStream<E extends EventShape> extends EventEmitter<EventStreamEventMap> {
  /**
   * Starts a subscription: `handler` gets the matching events in `(transactionId, position)` order, in
   * batches, each event once; the subscription advances only past batches the handler finished.
   * @throws {InvalidOptionError} {@link InvalidCheckpointError} {@link StreamClosedError}
   */
  subscribe<const Q extends Query<E> = Query<E>>(options: SubscribeOptions<E, Q>, handler: BatchHandler<QueryResult<E, Q>>): Subscription;
  /** The subscriptions not yet stopped. */
  readonly subscriptions: readonly Subscription[];
  /** True while the LISTEN connection is up. */
  readonly listening: boolean;
  /** Stops every subscription (waiting for batches in flight) and closes the LISTEN connection. Safe to call twice. */
  close(): Promise<void>;
}
