import type { EventMetadata, EventShape } from './event-types.js';
import type { Query, QueryCheck } from './query-types.js';
import type { Head } from './read-types.js';

/**
 * Guards an append: it fails if an event matching `query` exists that the read which produced `after` did not see.
 * `Q`: the query's own type, as `append` infers it.
 */
export interface AppendCondition<E extends EventShape, Q extends Query<E> = Query<E>> {
  readonly query: Q;
  /** The `head` of the read the decision was based on. Omit it to require that no matching event exists at all. */
  readonly after?: Head | undefined;
}

export interface AppendOptions<E extends EventShape, Q extends Query<E> = Query<E>> {
  readonly condition?: AppendCondition<E, Q>;
  /** Merged into each event's own metadata (the event's keys win). */
  readonly metadata?: EventMetadata;
}

/**
 * The options of `append` for a condition query inferred as `Q`: {@link AppendOptions}, with `condition.query`
 * checked item by item like every query given to the store ({@link CheckedQuery}).
 */
export type CheckedAppendOptions<E extends EventShape, Q extends Query<E>> = AppendOptions<E, Q> & {
  readonly condition?: { readonly query: NoInfer<QueryCheck<E, Q>> };
};

export interface AppendResult {
  /** Positions of the appended events, in the order given. */
  readonly positions: readonly bigint[];
  /** Ids of the appended events, in the order given: each event's own `id`, or the uuidv7 the store gave it. */
  readonly ids: readonly string[];
  /** The schema version each event was stored with, in the order given: its type's current one (see `upcasters`). */
  readonly schemaVersions: readonly number[];
  /** The last of `positions`. */
  readonly lastPosition: bigint;
  /** True when every event id was already stored with the same content: nothing was written. */
  readonly duplicate: boolean;
  /**
   * After a conditional append that wrote its events: the head to pass as `condition.after` of the next
   * append under the same condition, when the caller decides from what it read plus what it just appended
   * (a decision state kept in memory) instead of reading again. Every event matching the condition that this
   * head covers was in the read or in this append; anything else that matches, committed later or still in
   * flight, fails that next append. Absent after an unconditional append (nothing says what the caller knows)
   * and after a duplicate (the condition was not checked).
   */
  readonly head?: Head;
  /** After a conditional append (or one with ids) that wrote: the `occurredAt` every appended event got. */
  readonly occurredAt?: Date;
  /** After a conditional append (or one with ids) that wrote: the `transactionId` of the appended events. */
  readonly transactionId?: bigint;
}
