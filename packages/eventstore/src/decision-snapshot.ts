import type { Head } from './read-types.js';

/**
 * A decision's state kept beside the events (used by `@tally/decisions`): the fold of every event of its query
 * that the read behind `head` saw, up to `position`.
 */
export interface DecisionSnapshot {
  readonly decision: string;
  /** Which instance of the decision (e.g. a hash of its query for a command). */
  readonly key: string;
  /** The decision's version of its fold: a snapshot of another version is not used. */
  readonly version: string;
  /** The state, as JSON. */
  readonly state: unknown;
  readonly position: bigint;
  readonly head: Head;
  /** How many events the state folds. */
  readonly events: bigint;
}
