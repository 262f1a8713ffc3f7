import type { ParkedEvent, ParkOutcome, ProjectionStatus } from './types.js';

/** A projector worker. */
export interface Projector {
  readonly workerId: string;
  /**
   * Migrates, sets up read tables, and starts claiming and running projections. Safe to call twice, or again
   * while it runs (the same promise).
   * @throws {ProjectorStoppedError} after `stop()` (or a failed start): create a new projector
   */
  start(): Promise<void>;
  /**
   * Stops claiming, lets every batch in flight commit, releases the locks. A batch never holds it up past its
   * handler timeout, nor past `timeoutMs` when given: it is then abandoned (rolled back). Safe to call twice.
   */
  stop(options?: { readonly timeoutMs?: number }): Promise<void>;
  /**
   * Rebuilds the projection from the start (from any process). With `tables`: requests a build beside the live
   * tables, which keep serving until it has caught up and replaced them (`status()` shows it as `build`).
   * Without: resets the read tables and checkpoint to the start in one transaction, and its worker replays it
   * into the emptied tables. Resolves once the request or the reset is committed (not when it has caught up).
   * @throws {UnknownProjectionError} {@link ConfigurationError} for an inline projection, or one whose live
   * version is newer than this process's
   * @throws {ProjectorStoppedError} after `stop()`
   */
  rebuild(name: string): Promise<void>;
  /** Open parked and held events of a projection (`onError: 'park'`), in the order it reads events. */
  parked(name: string): Promise<ParkedEvent[]>;
  /**
   * Re-applies parked events after a fix is deployed (every one, or the one at `position`), in order, then every
   * held event nothing holds any more. What succeeds leaves the park; what fails again stays, with its new error.
   * Runs the handler in this process, while holding the projection's checkpoint row (no worker's batch runs
   * meanwhile). Idempotent.
   * @throws {UnknownProjectionError} {@link ConfigurationError} when this process defines another version than the live one
   */
  retryParked(name: string, options?: { readonly position?: bigint }): Promise<ParkOutcome>;
  /**
   * Acknowledges the parked (or held) event at `position`: it is never applied, and the row records who skipped it
   * and when; the events held behind it are then applied. Idempotent.
   * @throws {ParkedEventNotFoundError} when nothing was parked at `position`
   */
  skipParked(name: string, options: { readonly position: bigint }): Promise<ParkOutcome>;
  /**
   * Lets a projection that stopped on a failing event (`onError: 'stop'`) continue from its checkpoint, just before
   * that event, once a fix is deployed: no rebuild. Resolves true when it was stopped, false when there was nothing
   * to resume. A worker takes it up at its next claim.
   */
  resume(name: string): Promise<boolean>;
  /**
   * Every projection's state, checkpoint, lag, last error and owner.
   * @throws {ProjectorStoppedError} after `stop()`
   */
  status(): Promise<ProjectionStatus[]>;
  /** Names of the projections this process runs now. */
  owned(): string[];
  /**
   * Resolves once every projection (but inline ones) has applied every event committed before the call, by
   * this worker or another: each checkpoint has passed the transaction ids of the caller's snapshot. Events
   * are applied once settled, so a transaction open anywhere on the server delays it until it ends. For
   * tests, demos and read-your-writes. `lagEvents` in `status()` cannot tell this: it counts settled events only.
   * @throws {CatchUpError} when a projection has failed, or after `timeoutMs` (default 30 000)
   * @throws {ProjectorStoppedError} after `stop()`, also when `stop()` is called while it waits
   */
  waitForCatchUp(options?: { readonly timeoutMs?: number }): Promise<void>;
}
