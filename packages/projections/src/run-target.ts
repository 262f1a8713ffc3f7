import type { SettledCheckpoint } from '@tally/eventstore';
import type { ControlledTransaction } from 'kysely';
import type { ParkTarget, ProjectorTables } from './schema/tables.js';
import type { ProjectionState } from './types.js';

/** Where a runner starts from, or why it must not run. */
export type PreparedTarget =
  | { readonly run: true; readonly checkpoint: SettledCheckpoint; readonly state: ProjectionState; readonly lastError: string | null }
  | { readonly run: false; readonly state?: ProjectionState; readonly lastError?: string | null };

/**
 * What a {@link ProjectionRunner} runs batches into: the live read tables and checkpoint row
 * ({@link LiveTarget}), or a build beside them with its own schema and checkpoint ({@link BuildTarget}).
 * Every batch transaction calls `lock` first and `advance` last; both are check-and-set on the target's row.
 */
export interface RunTarget {
  /** Whose park events the batches set aside go to (see `projection_parked.target`). */
  readonly kind: ParkTarget;
  /** Loads the checkpoint to start from (after setting the target up, if it needs it). */
  prepare(): Promise<PreparedTarget>;
  /** First statements of a batch: locks the target's row if it is still at `from`; false if it moved. */
  lock(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint): Promise<boolean>;
  /**
   * The batch must commit even when it has nothing to apply: it finishes the target (a build's switch). The
   * runner then also goes on without waiting for new events.
   */
  readonly finishing: boolean;
  /** Last statements of a batch: moves the row from `from` to `to` (check-and-set); false if it moved. */
  advance(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint, to: SettledCheckpoint, state: ProjectionState, full: boolean): Promise<boolean>;
  /** Marks the target failed at `position` (its handler kept failing), if it is still at `from`. */
  markFailed(from: SettledCheckpoint, error: string, position: bigint): Promise<void>;
}
