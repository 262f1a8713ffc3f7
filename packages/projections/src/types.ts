import type { Horizon, EventShape, EventType, QueryItem, SettledCheckpoint, StoredEvent } from '@tally/eventstore';
import type { Kysely, Transaction } from 'kysely';

/**
 * A projection: keeps read tables up to date from the events its `query` matches. `handle` runs inside the
 * batch transaction, and the projector saves the checkpoint in that same transaction.
 */
export interface ProjectionDefinition<E extends EventShape, DB, T extends EventType<E> = EventType<E>> {
  /** Unique name; the checkpoint row and the worker lock are keyed by it. */
  readonly name: string;
  /** Bump it when `handle` or the read tables change: the projector then resets and replays the projection. */
  readonly version: number;
  /** The events the projection reads (items OR'ed). Listing `types` narrows the events `handle` receives. */
  readonly query: readonly QueryItem<E, T>[];
  /** Creates the read tables. Must be idempotent (`CREATE TABLE IF NOT EXISTS`): it runs at every start. */
  setup(db: Kysely<DB>): Promise<void>;
  /** Empties the read tables, inside the rebuild transaction that also resets the checkpoint. */
  reset(trx: Transaction<DB>): Promise<void>;
  /** Applies a batch of events (in `(transactionId, position)` order) to the read tables, inside `trx`. */
  handle(events: StoredEvent<Extract<E, { type: T }>>[], trx: Transaction<DB>): Promise<void>;
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
}

declare const projectionBrand: unique symbol;

/** A projection made by `defineProjection` (the event type parameter widened to the store's union). */
export type Projection<E extends EventShape, DB> = ProjectionDefinition<E, DB, EventType<E>> & { readonly [projectionBrand]: true };

/** Any projection over the events `E`, whatever its read tables: what a projector accepts. */
export interface AnyProjection<E extends EventShape> {
  readonly name: string;
  readonly version: number;
  readonly query: readonly QueryItem<E>[];
  readonly inline?: boolean;
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
  /** Stopped after its handler failed `maxAttempts` times; `rebuild` (or a version bump) restarts it. */
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
  /** Position of the event batch that failed (first event of it), when `state` is `failed`. */
  readonly failedPosition: bigint | null;
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
