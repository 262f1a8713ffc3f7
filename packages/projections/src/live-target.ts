import type { EventShape, SettledCheckpoint } from '@tally/eventstore';
import type { ControlledTransaction } from 'kysely';
import type { RunnerContext } from './runner-context.js';
import { rebuildProjection } from './rebuild-projection.js';
import type { PreparedTarget, RunTarget } from './run-target.js';
import type { ProjectorTables } from './schema/tables.js';
import { advanceCheckpoint } from './sql/advance-checkpoint.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import { lockCheckpointAt } from './sql/lock-checkpoint-at.js';
import { markFailed } from './sql/mark-failed.js';
import { setOwner } from './sql/set-owner.js';
import type { Projection, ProjectionState } from './types.js';

/** The live read tables and the checkpoint row readers' version is stored in (`projection_checkpoints`). */
export class LiveTarget<E extends EventShape> implements RunTarget {
  readonly kind = 'live';
  readonly finishing = false;

  constructor(
    private readonly projection: Projection<E, unknown>,
    private readonly ctx: RunnerContext<E>,
  ) {}

  private get db() {
    return this.ctx.db.withSchema(this.ctx.schema);
  }

  /**
   * Loads the checkpoint; rebuilds in place first if the stored version is older and the projection has no
   * `tables` (with `tables`, a build beside the live tables does that, see {@link BuildTarget}). Not to run
   * here when failed, stored by a newer version of the code, or (with `tables`) by an older one.
   */
  async prepare(): Promise<PreparedTarget> {
    const { name, version, tables } = this.projection;
    let [row] = await loadCheckpoints(this.db, [name]);
    if (!row) return { run: false };
    if (row.version > version) {
      this.ctx.logger.warn({ projection: name, stored: row.version, defined: version }, 'stored version is newer than this worker: not running it');
      return { run: false };
    }
    if (row.status === 'failed' && row.version === version) return { run: false, state: 'failed', lastError: row.lastError };
    if (row.version < version) {
      if (tables) return { run: false };
      this.ctx.logger.info({ projection: name, from: row.version, to: version }, 'version changed: rebuilding');
      await rebuildProjection(this.ctx.db, this.ctx.schema, this.projection, this.ctx.workerId);
      [row] = await loadCheckpoints(this.db, [name]);
      if (!row) return { run: false };
    }
    const state: ProjectionState = row.status === 'rebuilding' ? 'rebuilding' : 'running';
    await setOwner(this.db, name, this.ctx.workerId, state);
    return { run: true, checkpoint: row.checkpoint, state, lastError: row.lastError };
  }

  lock(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint): Promise<boolean> {
    return lockCheckpointAt(trx.withSchema(this.ctx.schema), this.projection.name, from, this.projection.version);
  }

  advance(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint, to: SettledCheckpoint, state: ProjectionState): Promise<boolean> {
    return advanceCheckpoint(trx.withSchema(this.ctx.schema), this.projection.name, from, to, state, this.ctx.workerId);
  }

  async markFailed(from: SettledCheckpoint, error: string, position: bigint): Promise<void> {
    await markFailed(this.db, this.projection.name, from, error, position, this.ctx.workerId);
  }
}
