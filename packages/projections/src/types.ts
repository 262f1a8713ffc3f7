import type { Horizon, EventShape, Query, QueryItem, QueryResult, SettledCheckpoint } from '@tally/eventstore';
import type { Kysely, Transaction } from 'kysely';

/**
 * A projection: keeps read tables up to date from the events its `query` matches. `handle` runs inside the
 * batch transaction, and the projector saves the checkpoint in that same transaction.
 * `Q`: the query's own type, as `defineProjection<E, DB>()` infers it; `handle` gets the events it admits.
 */
export interface ProjectionDefinition<E extends EventShape, DB, Q extends Query<E> = Query<E>> {
  /** Unique name; the checkpoint row and the worker lock are keyed by it. */
  readonly name: string;
  /** Bump it when `handle` or the read tables change: the projector then resets and replays the projection. */
  readonly version: number;
  /**
   * The events the projection reads (items OR'ed; an empty query reads every event). `handle` receives the events
   * this query admits ({@link QueryResult}): with the curried `defineProjection<E, DB>()(…)`, the types an item
   * lists (the whole union `E` when an item lists none, or the query is empty); with `defineProjection<E, DB>(…)`,
   * always the whole union.
   */
  readonly query: Q;
  /** Creates the read tables. Must be idempotent (`CREATE TABLE IF NOT EXISTS`): it runs at every start. */
  setup(db: Kysely<DB>): Promise<void>;
  /** Empties the read tables, inside the rebuild transaction that also resets the checkpoint. */
  reset(trx: Transaction<DB>): Promise<void>;
  /**
   * Applies a batch of events (in `(transactionId, position)` order) to the read tables, inside `trx`. A property,
   * not a method, so that a handler declaring narrower events than the query admits does not compile.
   */
  readonly handle: (events: QueryResult<E, Q>[], trx: Transaction<DB>) => Promise<void>;
  /**
   * The read tables the projection owns (unqualified names, as `setup`, `reset` and `handle` must write them).
   * Given, a version bump or `rebuild` builds the new version beside the old one, in a schema of its own, while
   * the old one keeps serving; once it has caught up, its tables replace these under the same names in one
   * transaction. Without it, a rebuild empties the tables in place and readers see them fill up again.
   */
  readonly tables?: readonly string[];
  /**
   * Run only inline (see {@link applyInline}), inside the append transactions: the projector worker never
   * runs it (running it in both places would apply events twice). @defaultValue false
   */
  readonly inline?: boolean;
  /**
   * Longest time `handle` may take for one batch. Past it the batch is abandoned: its connection is destroyed,
   * so the server rolls it back (and the server itself ends a transaction left idle that long, should this
   * process be stuck), and it counts as a failed attempt (see the projector's `maxAttempts`).
   * @defaultValue the projector's `handlerTimeoutMs` (30 000)
   */
  readonly handlerTimeoutMs?: number;
  /**
   * What happens when `handle` keeps failing (after the projector's `maxAttempts`). Either way the projector first
   * finds the failing event by splitting the batch (what applies before it commits, once), then:
   * - `'stop'`: the projection stops there (`failed`, `failedPosition` = that event; its checkpoint just before
   *   it); `resume(name)` continues from there once a fix is deployed.
   * - `'park'`: the event is recorded with the projection (`parked(name)`) and the projection goes on with the
   *   rest; `retryParked` applies it later, `skipParked` acknowledges it. See `holdParkedTags`.
   * @defaultValue 'stop'
   */
  readonly onError?: 'stop' | 'park';
  /**
   * With `onError: 'park'`: whether later events that share a tag with a parked event wait behind it (recorded as
   * `held`, applied in order once it is retried or skipped), so that a read model keyed by tag never sees a tag's
   * events out of order. `false` lets them through: the read model then has a gap where the parked event is, which
   * suits read models whose rows do not depend on order within a key. An event without tags is never held.
   * @defaultValue true
   */
  readonly holdParkedTags?: boolean;  /**
   * Scrubs a subject's personal data from the read tables after `store.eraseSubject(subject)`: the projector
   * calls it once per erasure (in the store's order of erasures), inside a batch transaction with the progress
   * it records, before that batch's events (which then already read as erased). A projection that copies
   * personal fields into its tables needs it; on a replay or rebuild the handler sees erased fields as
   * `Erased` anyway. A failure is retried with backoff, holding the projection back until it succeeds.
   */
  readonly onErase?: (subject: string, trx: Transaction<DB>) => Promise<void>;
}

declare const projectionBrand: unique symbol;

/**
 * A projection made by `defineProjection`: its query widened to `Query<E>`, so `handle` takes the store's union.
 * Only events of its query are ever handed to it (the projector reads by the query, `applyInline` and
 * `projectionSpec` filter by it).
 */
export type Projection<E extends EventShape, DB> = ProjectionDefinition<E, DB> & { readonly [projectionBrand]: true };

/** Any projection over the events `E`, whatever its read tables: what a projector accepts. */
export interface AnyProjection<E extends EventShape> {
  readonly name: string;
  readonly version: number;
  readonly query: readonly QueryItem<E>[];
  readonly inline?: boolean;
  readonly onError?: 'stop' | 'park';
  readonly holdParkedTags?: boolean;
  readonly [projectionBrand]: true;
}

/** Where a projection is. */
export type ProjectionState =
  /** Defined, but no worker holds it (or this process has not looked yet). */
  | 'idle'
  /** Replaying from the start after a version change or `rebuild`. */
  | 'rebuilding'
  /** Owned by a worker and following new events. */
  | 'running'
  /** Stopped at an event its handler failed on `maxAttempts` times: `resume` (after a fix), `rebuild` or a version bump restarts it. */
  | 'failed'
  /** Run inline by the application, never by a worker. */
  | 'inline';

/** One projection as `status()` reports it. */
export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  /** Version stored with the checkpoint (differs from `version` until the rebuild starts). */
  readonly storedVersion: number | null;
  readonly state: ProjectionState;
  readonly checkpoint: SettledCheckpoint;
  /** Highest position in the store. */
  readonly head: bigint;
  /**
   * Every committed matching event at or below this position is applied (the store's head when nothing is
   * left): a position to compare with `head`, where `checkpoint` is a transaction id and a position.
   */
  readonly appliedPosition: bigint;
  /**
   * Committed matching events not yet applied, settled or not (counted up to `lagCountLimit`): never 0 while a
   * committed event waits.
   */
  readonly lagEvents: number;
  /**
   * Of `lagEvents`, those above the store's horizon: committed, but held back by a transaction that may still
   * append (see `horizon`). The projection cannot apply them until it ends or is passed.
   */
  readonly unsettledEvents: number;
  /** Age in seconds of the oldest matching event not yet applied, by the database server's clock (0 when caught up). */
  readonly lagSeconds: number;
  /** The store's horizon and the transactions holding it back (the same for every projection of the store). */
  readonly horizon: Horizon;
  readonly lastError: string | null;
  /** Position of the event the handler failed on, when `state` is `failed` (the checkpoint is just before it). */
  readonly failedPosition: bigint | null;
  /** Events parked by the handler's failures and not yet retried or skipped (`onError: 'park'`). */
  readonly parkedEvents: number;
  /** Events waiting behind a parked event of the same tag (`holdParkedTags`). */
  readonly heldEvents: number;
  /** Worker id of the process running it, as last written by that worker. */
  readonly owner: string | null;
  /** True when this process runs it now. */
  readonly ownedHere: boolean;
  /** The build in progress beside the live tables (a projection with `tables`, after a version bump or `rebuild`), or null. */
  readonly build: ProjectionBuildStatus | null;
}

/** A build in progress, as `status()` reports it: the live tables keep serving until it has caught up and switched. */
export interface ProjectionBuildStatus {
  /** The version being built. */
  readonly version: number;
  /** `new`: requested, not set up yet; `building`; `failed`: its handler kept failing (`rebuild` starts it over). */
  readonly state: 'new' | 'building' | 'failed';
  /** The schema the new tables are built in. */
  readonly schema: string;
  readonly checkpoint: SettledCheckpoint;
  /** Matching events the build has still to apply before it can switch (counted up to `lagCountLimit`). */
  readonly lagEvents: number;
  readonly lastError: string | null;
  /** Worker id of the process building it, as last written by that worker. */
  readonly owner: string | null;
  readonly startedAt: Date;
  /** When it first caught up with the store (the switch follows in the next batch), or null. */
  readonly caughtUpAt: Date | null;
}

/** An event a projection set aside, as `parked(name)` lists it. */
export interface ParkedEvent {
  readonly projection: string;
  /** The projection's version that parked it. */
  readonly version: number;
  readonly position: bigint;
  readonly transactionId: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly tags: readonly string[];
  /** `parked`: its handler failed; `held`: it waits behind the parked event `heldBy` (a shared tag). */
  readonly state: 'parked' | 'held';
  readonly heldBy: bigint | null;
  /** The handler's last error (parked events). */
  readonly error: string | null;
  /** Handler failures on this event so far. */
  readonly attempts: number;
  readonly parkedAt: Date;
}

/** What `retryParked` and `skipParked` did. */
export interface ParkOutcome {
  /** Events applied now (retried ones, and held ones released behind them), in order. */
  readonly applied: readonly bigint[];
  /** Events whose handler failed again: they stay parked, with the new error. */
  readonly failed: readonly { readonly position: bigint; readonly error: string }[];
  /** Open events left in the park (parked and held). */
  readonly remaining: number;
}
