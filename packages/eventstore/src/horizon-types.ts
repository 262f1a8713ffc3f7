/** Where a settled read ended: the `(transactionId, position)` of the last event handed out. */
export interface SettledCheckpoint {
  readonly transactionId: bigint;
  readonly position: bigint;
}

/** A transaction that holds followers back (see {@link Horizon}). */
export interface HorizonBlocker {
  /** Id of the transaction, in the store's transaction-id space. */
  readonly transactionId: bigint;
  /** Backend process id (`pg_stat_activity.pid`); null for a prepared transaction or one that cannot be identified. */
  readonly pid: number | null;
  readonly database: string | null;
  readonly applicationName: string | null;
  /** `pg_stat_activity.state` (`active`, `idle in transaction`, …); null when hidden from this role. */
  readonly state: string | null;
  /** How long its transaction has been open; null when hidden from this role. */
  readonly transactionAgeMs: number | null;
  /**
   * `appending`: it appended (or is appending) to this store, so followers wait until it ends;
   * `within-grace`: it holds a transaction id in this database and has not appended, for less than `horizonGraceMs`;
   * `prepared`: a prepared transaction of this database; `unidentified`: running, but not found in `pg_stat_activity`.
   */
  readonly reason: 'appending' | 'within-grace' | 'prepared' | 'unidentified';
}

/** How far followers (subscriptions, projections, `readSettled`) can read now, and what holds them back. */
export interface Horizon {
  /** Everything before this checkpoint is settled: no event can ever appear behind it. */
  readonly settled: SettledCheckpoint;
  /** Transactions that keep later events unsettled, oldest first. Empty when nothing holds followers back. */
  readonly blockers: readonly HorizonBlocker[];
  /** Committed events at or above the horizon, which followers cannot read yet (counted up to 10,000). */
  readonly unsettledEvents: number;
}

/** How far a follower at some checkpoint is behind: the committed events it has not handled yet. */
export interface Lag {
  /** Committed events matching the query after the checkpoint (counted up to `limit`). */
  readonly events: number;
  /** Of those, the ones above the horizon: committed, but held back by a transaction that may still append. */
  readonly unsettledEvents: number;
  /** Age of the oldest of them by the database server's clock; null when there is none. */
  readonly oldestAgeMs: number | null;
  /** The lowest position among them (among the first `limit`); null when there is none. */
  readonly firstPosition: bigint | null;
}
