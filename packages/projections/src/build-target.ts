import type { EventShape, SettledCheckpoint } from '@tally/eventstore';
import { sql, type ControlledTransaction, type Kysely } from 'kysely';
import { buildSchemaName } from './build-schema-name.js';
import { coerceError } from './errors.js';
import type { RunnerContext } from './runner-context.js';
import type { PreparedTarget, RunTarget } from './run-target.js';
import type { ProjectorTables } from './schema/tables.js';
import { advanceBuild } from './sql/advance-build.js';
import { createBuildSchema } from './sql/create-build-schema.js';
import { deleteBuild } from './sql/delete-build.js';
import { deleteBuildParked } from './sql/delete-build-parked.js';
import { promoteParked } from './sql/promote-parked.js';
import { dropBuildSchema } from './sql/drop-build-schema.js';
import { enterBuildSchema } from './sql/enter-build-schema.js';
import { liveTableSchemas } from './sql/live-table-schemas.js';
import { loadBuilds } from './sql/load-builds.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import { lockBuild } from './sql/lock-build.js';
import { lockBuildAt } from './sql/lock-build-at.js';
import { lockCheckpoint } from './sql/lock-checkpoint.js';
import { markBuildFailed } from './sql/mark-build-failed.js';
import { moveTable } from './sql/move-table.js';
import { noteBuildError } from './sql/note-build-error.js';
import { promoteBuild } from './sql/promote-build.js';
import { schemaTables } from './sql/schema-tables.js';
import { setBuildOwner } from './sql/set-build-owner.js';
import { startBuild } from './sql/start-build.js';
import type { Projection } from './types.js';

/** Longest wait of the switch for the live tables' locks (readers in long transactions): then it rolls back and retries. */
const switchLockTimeoutMs = 3000;

/**
 * A build of the projection's definition beside the live tables, run by the one worker holding the
 * projection's build lock. Its tables live in a schema of its own ({@link buildSchemaName}); every build
 * transaction puts that schema first on its search path, so `setup` and `handle` create and write them under
 * their unqualified names; its checkpoint is its row in `projection_builds` (check-and-set, like the live one).
 *
 * Once a batch comes back less than full, the next batch is the switch: it locks the live checkpoint row first
 * (waiting for the live batch in flight), applies what is left, then moves each of `tables` under the live
 * name (dropping the old one), gives the live row the build's version and checkpoint, deletes the build row
 * and its schema, and commits — or rolls all of it back, and the old version keeps serving.
 */
export class BuildTarget<E extends EventShape> implements RunTarget {
  readonly kind = 'build';
  private readonly schema: string;
  private readonly tables: readonly string[];
  /** The last batch was not full: the next one switches. */
  private switchDue = false;
  /** The switch committed: the build is over (the runner finds its row gone and ends). */
  private switched = false;
  /** Set by the switch batch's `lock`: where the live tables are, and the live version it replaces. */
  private live: { readonly tables: { table: string; schema: string | null; existing: boolean }[]; readonly version: number } | undefined;

  constructor(
    private readonly projection: Projection<E, unknown>,
    private readonly ctx: RunnerContext<E>,
  ) {
    if (!projection.tables) throw new Error(`projection "${projection.name}" has no tables to build`);
    this.tables = projection.tables;
    this.schema = buildSchemaName(ctx.schema, projection.name);
  }

  get finishing(): boolean {
    return this.switchDue || this.switched;
  }

  private get db() {
    return this.ctx.db.withSchema(this.ctx.schema);
  }

  /**
   * Resumes this version's build from its checkpoint, or sets a new one up (schema, `setup`, row at the start)
   * when a build of it is requested or the live version is older; drops a build left by an older version.
   * Not to run when there is nothing to build here (the live version is this one or newer, the build is of a
   * newer version, or it failed).
   */
  async prepare(): Promise<PreparedTarget> {
    const { name, version } = this.projection;
    this.switchDue = false;
    this.switched = false;
    const [live] = await loadCheckpoints(this.db, [name]);
    if (!live || live.version > version) return { run: false };
    return this.ctx.db.transaction().execute(async (trx) => {
      const scoped = trx.withSchema(this.ctx.schema);
      const build = await lockBuild(scoped, name);
      if (build && build.version > version) return { run: false };
      if (build?.version === version && build.status === 'failed') return { run: false };
      if (build?.version === version && build.status === 'building') {
        const [row] = await loadBuilds(scoped, [name]);
        await setBuildOwner(scoped, name, this.ctx.workerId);
        this.ctx.logger.info({ projection: name, version, schema: this.schema }, 'resuming build');
        return { run: true, checkpoint: row!.checkpoint, state: 'rebuilding', lastError: row!.lastError };
      }
      if (!(build?.version === version) && live.version === version) {
        // A build of an older version, left behind: nothing to build any more.
        if (build) {
          await dropBuildSchema(scoped, this.schema, true);
          await deleteBuild(scoped, name);
        }
        return { run: false };
      }
      await createBuildSchema(scoped, this.schema);
      await deleteBuildParked(scoped, name);
      await enterBuildSchema(scoped, this.schema);
      await this.projection.setup(trx as unknown as Kysely<unknown>);
      await startBuild(scoped, name, version, this.schema, this.ctx.workerId);
      this.ctx.logger.info({ projection: name, from: live.version, to: version, schema: this.schema }, 'building beside the live tables');
      return { run: true, checkpoint: { transactionId: 0n, position: 0n }, state: 'rebuilding', lastError: null };
    });
  }

  async lock(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint): Promise<boolean> {
    const scoped = trx.withSchema(this.ctx.schema);
    this.live = undefined;
    if (this.switched) return false;
    if (this.switchDue) {
      const live = await lockCheckpoint(scoped, this.projection.name);
      if (!live || live.version > this.projection.version) return false;
      this.live = { tables: await liveTableSchemas(scoped, this.tables), version: live.version };
    }
    await enterBuildSchema(scoped, this.schema);
    return lockBuildAt(scoped, this.projection.name, this.projection.version, from);
  }

  async advance(trx: ControlledTransaction<ProjectorTables>, from: SettledCheckpoint, to: SettledCheckpoint, _state: unknown, full: boolean): Promise<boolean> {
    const scoped = trx.withSchema(this.ctx.schema);
    if (!(await advanceBuild(scoped, this.projection.name, from, to, this.ctx.workerId, !full))) return false;
    if (this.live && !full) {
      try {
        await this.switchTables(scoped, this.live, to);
      } catch (error) {
        const message = `switch failed (the old version keeps serving; retrying): ${coerceError(error).message}`;
        // After the batch has rolled back (it holds the row until then): not awaited.
        void noteBuildError(this.db, this.projection.name, this.projection.version, message).catch(() => {});
        throw error;
      }
      this.switched = true;
    }
    this.switchDue = !full;
    return true;
  }

  async markFailed(from: SettledCheckpoint, error: string, position: bigint): Promise<void> {
    await markBuildFailed(this.db, this.projection.name, this.projection.version, from, error, position, this.ctx.workerId);
  }

  private async switchTables(scoped: Kysely<ProjectorTables>, live: NonNullable<BuildTarget<E>['live']>, checkpoint: SettledCheckpoint): Promise<void> {
    const { name, version } = this.projection;
    const built = await schemaTables(scoped, this.schema);
    const missing = this.tables.filter((t) => !built.includes(t));
    const unlisted = built.filter((t) => !this.tables.includes(t));
    if (missing.length > 0 || unlisted.length > 0) {
      throw new Error(
        `projection "${name}": the build schema ${this.schema} ${missing.length ? `lacks ${missing.join(', ')}` : ''}${missing.length && unlisted.length ? ' and ' : ''}${unlisted.length ? `holds ${unlisted.join(', ')}, not in tables` : ''} (tables must list exactly the tables setup creates, referred to unqualified)`,
      );
    }
    await sql`SELECT set_config('lock_timeout', ${String(switchLockTimeoutMs)}, true)`.execute(scoped);
    for (const t of live.tables) {
      if (t.schema === null) throw new Error(`projection "${name}": no schema to create ${t.table} in (the search path names none that exists)`);
      await moveTable(scoped, t.table, this.schema, t.schema, t.existing);
    }
    await dropBuildSchema(scoped, this.schema, false);
    await promoteBuild(scoped, name, version, checkpoint, this.ctx.workerId);
    await deleteBuild(scoped, name);
    await promoteParked(scoped, name);
    this.ctx.logger.info({ projection: name, from: live.version, to: version }, 'build caught up: switched readers to it');
  }
}
