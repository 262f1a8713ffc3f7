import type { EventShape, EventStore, Query } from '@tally/eventstore';
import type { ProjectorLogger } from './logger.js';
import type { AnyProjection } from './types.js';

/** Wakes projection runners up when new events may be there. A hint only: runners also poll. */
export interface WakeupSource {
  /** Calls `listener` on each hint; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Options of `createProjector`. */
export interface ProjectorOptions<E extends EventShape> {
  readonly store: EventStore<E>;
  /** The projections this worker may run (every worker of a deployment should list the same ones). */
  readonly projections: readonly AnyProjection<E>[];
  /** Database of the store and the read tables. @defaultValue process.env.DATABASE_URL */
  readonly connectionString?: string;
  /** Events read and handled per transaction. @defaultValue 500 */
  readonly batchSize?: number;
  /**
   * Longest wait for new events when NOTIFY hints are missed (the LISTEN connection is down or reconnecting, or
   * a notification was lost). @defaultValue 1000
   */
  readonly pollIntervalMs?: number;
  /** How often the worker looks for projections nobody runs (the takeover delay after a crash). @defaultValue 1000 */
  readonly claimIntervalMs?: number;
  /** Identifies this worker in `status()` and logs. @defaultValue `${hostname}:${pid}:${random}` */
  readonly workerId?: string;
  /** Attempts of a failing batch before the projection is marked failed. @defaultValue 5 */
  readonly maxAttempts?: number;
  /** First retry delay (doubles each attempt, with jitter). @defaultValue 200 */
  readonly retryDelayMs?: number;
  /**
   * Longest time a projection's handler may take for one batch, for projections that set no `handlerTimeoutMs`
   * of their own. Past it the batch is abandoned (rolled back; the server ends the transaction too, should this
   * process be stuck) and counts as a failed attempt, so a hung handler cannot hold the transaction horizon —
   * and every other projection and subscription on the server — for longer. @defaultValue 30000
   */
  readonly handlerTimeoutMs?: number;
  /** Pool size for batch transactions. @defaultValue 5 */
  readonly maxConnections?: number;
  /** Structured logger (pino fits). @defaultValue silent */
  readonly logger?: ProjectorLogger;
  /**
   * Called (and awaited) right after this worker takes a projection's lock, and right before it gives it back:
   * for logs, metrics, or tests that check ownership intervals. Errors are logged and ignored.
   */
  readonly onOwnershipChange?: (change: { readonly projection: string; readonly owned: boolean; readonly workerId: string }) => Promise<void> | void;
  /**
   * Extra wake-up hints besides the LISTEN on `store.channel` (e.g. an `@tally/eventstream` subscription). Hints
   * only: runners always read from their checkpoint, and poll every `pollIntervalMs`.
   */
  readonly wakeup?: WakeupSource;
  /**
   * An `@tally/eventstream` stream: the projector subscribes to the events its projections read (from the end)
   * and takes each batch as a wake-up hint. The batches themselves are not applied: runners read from their own
   * checkpoints, in their own transactions. The stream's LISTEN connection is then the process's only one: the
   * projector opens no `Listener` of its own.
   * @defaultValue none: the projector LISTENs on `store.channel` with its own `Listener` from `@tally/eventstream`
   */
  readonly stream?: WakeupStream<E>;
  /** Cap of the matching events counted for `lagEvents` in `status()`. @defaultValue 10000 */
  readonly lagCountLimit?: number;
  /**
   * How often this worker calls `store.seal()`, which seals the store's settled events for `store.verify()` (the
   * appends do no hashing), and logs the chain head at info (`'events sealed'`, field `head`) to anchor it
   * outside the database. `false`: this worker does not seal (another job does). @defaultValue 5000
   */
  readonly sealIntervalMs?: number | false;
}

/** The part of an `@tally/eventstream` stream the projector uses. `EventStream<E>` satisfies it. */
export interface WakeupStream<E extends EventShape> {
  subscribe(
    options: { readonly query?: Query<E>; readonly after: 'end'; readonly batchSize: number; readonly maxWaitMs: number; readonly name: string },
    handler: () => void,
  ): { stop(): Promise<void> };
}
