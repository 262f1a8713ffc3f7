import type { EventShape } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import { backoffDelay } from '@tally/eventstore';
import { coerceError } from './errors.js';
import { BuildTarget } from './build-target.js';
import { LiveTarget } from './live-target.js';
import { ProjectionRunner } from './projection-runner.js';
import type { RunnerContext } from './runner-context.js';
import type { ProjectorOptions } from './projector-options.js';
import type { ProjectorTables } from './schema/tables.js';
import { loadBuilds, type BuildRow } from './sql/load-builds.js';
import { loadCheckpoints, type CheckpointRow } from './sql/load-checkpoints.js';
import type { Projection } from './types.js';
import type { WorkerConnection } from './worker-connection.js';

/** Longest pause between claims while they keep failing (the database is down, say). */
const maxClaimBackoffMs = 5000;

/** The session lock of a projection's build (`#` is not allowed in projection names: no clash with the live lock). */
const buildLock = (name: string) => `${name}#build`;

/**
 * A projection with `tables` is built beside its live tables by a worker whose definition is newer than the live
 * version, or of the live version when a build of it was requested (`rebuild`); a build of an older version is
 * taken too, to be dropped. Not when the build there is of a newer version, or failed.
 */
function wantsBuild<E extends EventShape>(projection: Projection<E, unknown>, live: CheckpointRow, build: BuildRow | undefined): boolean {
  const { version } = projection;
  if (projection.inline || !projection.tables || live.version > version) return false;
  if (!build) return live.version < version;
  return build.version < version || (build.version === version && build.status !== 'failed');
}

/** What the claim loop needs from its projector. */
export interface ClaimLoopOptions<E extends EventShape> {
  readonly projections: ReadonlyMap<string, Projection<E, unknown>>;
  readonly ctx: RunnerContext<E>;
  readonly connection: WorkerConnection;
  /** The projector's database with the store's schema. */
  readonly scoped: Kysely<ProjectorTables>;
  readonly claimIntervalMs: number;
  readonly onOwnershipChange?: ProjectorOptions<E>['onOwnershipChange'];
}

/**
 * Ownership: every `claimIntervalMs`, takes the session locks of runnable projections nobody holds, up to this
 * worker's fair share (projections / live workers), gives back those above it, and runs a
 * {@link ProjectionRunner} for each one it holds. When the worker connection is lost (a restart, a failover, a
 * killed session) every lock is gone with it: it stops all runners and, at the next claims, reconnects — with
 * backoff while that fails — and takes its share again. It never throws: failures are logged and retried.
 */
export class ClaimLoop<E extends EventShape> {
  /** The runners of this process, by projection name (the live tables). */
  readonly runners = new Map<string, ProjectionRunner<E>>();
  /** The runners of the builds this process runs, by projection name. */
  readonly builds = new Map<string, ProjectionRunner<E>>();
  /** Runners stopped when the connection was lost, until their batch in flight has ended, with their lock key. */
  private readonly retiring = new Map<ProjectionRunner<E>, string>();
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private claiming: Promise<void> = Promise.resolve();
  private failures = 0;
  /** The worker connection was lost since the last claim that reconnected it. */
  private reconnecting = false;

  constructor(private readonly options: ClaimLoopOptions<E>) {
    options.connection.onLost(() => this.connectionLost());
  }

  private get logger() {
    return this.options.ctx.logger;
  }

  private get workerId() {
    return this.options.ctx.workerId;
  }

  /** Claims once (awaited), then every `claimIntervalMs`. */
  async start(): Promise<void> {
    this.running = true;
    this.claiming = this.claimOnce();
    await this.claiming;
    this.schedule();
  }

  /**
   * Stops claiming, stops every runner and gives its lock back. A batch in flight may commit; after `graceMs`
   * (if given) it is abandoned, and in any case it ends within its handler timeout.
   */
  async stop(graceMs?: number): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    const releaseAll = () => Promise.allSettled([...this.runners.keys(), ...[...this.builds.keys()].map(buildLock)].map((key) => this.release(key, graceMs)));
    await Promise.all([releaseAll(), ...[...this.retiring.keys()].map((runner) => runner.stop(graceMs))]);
    await this.claiming;
    await releaseAll(); // anything a claim in flight took meanwhile
  }

  /** Wakes every runner up (new events may be there). */
  wakeAll(): void {
    for (const runner of [...this.runners.values(), ...this.builds.values()]) runner.wake();
  }

  private schedule(): void {
    if (!this.running) return;
    const { claimIntervalMs } = this.options;
    const delay = this.failures === 0 ? claimIntervalMs : backoffDelay(this.failures, { baseMs: claimIntervalMs, maxMs: Math.max(claimIntervalMs, maxClaimBackoffMs) });
    this.timer = setTimeout(() => {
      this.claiming = this.claimOnce().finally(() => this.schedule());
    }, delay);
  }

  private async claimOnce(): Promise<void> {
    try {
      await this.claim();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.logger.warn({ err: coerceError(error), workerId: this.workerId, attempt: this.failures }, 'claim failed; retrying');
    }
  }

  private async claim(): Promise<void> {
    const { connection, projections, scoped } = this.options;
    if (!this.running) return;
    if (!connection.connected) {
      await connection.connect();
      if (this.reconnecting) this.logger.info({ workerId: this.workerId }, 'worker connection re-established: claiming projections again');
      this.reconnecting = false;
    }
    const rows = await loadCheckpoints(scoped, [...projections.keys()]);
    // With `tables`, only the live version's workers run the live tables (a newer one builds beside them).
    const runnable = rows.filter((row) => {
      const p = projections.get(row.name);
      return p && !p.inline && !(row.status === 'failed' && row.version === p.version) && (p.tables ? row.version === p.version : row.version <= p.version);
    });
    const withTables = rows.filter((row) => projections.get(row.name)?.tables).map((row) => row.name);
    const builds = new Map(withTables.length === 0 ? [] : (await loadBuilds(scoped, withTables)).map((build) => [build.name, build]));
    // While a newer version is built, only workers of the live version can run the live tables: outside the fair
    // share, or the workers of the new version (counted as live workers) would leave them unrun.
    const pinned = new Set(runnable.filter((row) => (builds.get(row.name)?.version ?? 0) > row.version).map((row) => row.name));
    const shared = () => [...this.runners.keys()].filter((name) => !pinned.has(name));
    const live = await connection.liveWorkers();
    const quota = Math.ceil((runnable.length - pinned.size) / live);
    // Give back projections above the fair share (newest workers pick them up).
    for (const name of shared().slice(quota)) await this.release(name);
    for (const row of runnable) {
      if (!this.running) break;
      if (!pinned.has(row.name) && shared().length >= quota) continue;
      if (this.runners.has(row.name) || this.isRetiring(row.name)) continue;
      if (!(await connection.tryLock(row.name))) continue;
      if (!this.running) {
        await connection.unlock(row.name);
        break;
      }
      const projection = projections.get(row.name)!;
      const runner = new ProjectionRunner<E>(projection, this.options.ctx, (ended) => this.ended(row.name, ended), new LiveTarget(projection, this.options.ctx));
      this.runners.set(row.name, runner);
      await this.announce(row.name, true);
      this.logger.info({ projection: row.name, workerId: this.workerId }, 'claimed projection');
      runner.start();
    }
    await this.claimBuilds(rows, builds);
  }

  /** Takes the build lock of each projection this worker should build and nobody builds yet (beside the fair share). */
  private async claimBuilds(rows: readonly CheckpointRow[], builds: ReadonlyMap<string, BuildRow>): Promise<void> {
    const { connection, projections, ctx } = this.options;
    const candidates = rows.filter((row) => projections.get(row.name)?.tables);
    for (const row of candidates) {
      const projection = projections.get(row.name)!;
      if (!this.running) break;
      if (this.builds.has(row.name) || this.isRetiring(buildLock(row.name)) || !wantsBuild(projection, row, builds.get(row.name))) continue;
      if (!(await connection.tryLock(buildLock(row.name)))) continue;
      if (!this.running) {
        await connection.unlock(buildLock(row.name));
        break;
      }
      const runner = new ProjectionRunner<E>(projection, ctx, (ended) => this.ended(buildLock(row.name), ended), new BuildTarget(projection, ctx));
      this.builds.set(row.name, runner);
      this.logger.info({ projection: row.name, version: projection.version, workerId: this.workerId }, 'claimed build');
      runner.start();
    }
  }

  private isRetiring(key: string): boolean {
    return [...this.retiring.values()].includes(key);
  }

  /** The map holding the runner of a lock key (`name`: live; `name#build`: build), and the projection's name. */
  private held(key: string): { map: Map<string, ProjectionRunner<E>>; name: string; build: boolean } {
    const build = key.endsWith('#build');
    return build ? { map: this.builds, name: key.slice(0, -'#build'.length), build } : { map: this.runners, name: key, build };
  }

  /** Stops a runner and gives its lock back (once, however many callers ask); `key` is its lock key. */
  private async release(key: string, graceMs?: number): Promise<void> {
    const { map, name, build } = this.held(key);
    const runner = map.get(name);
    if (!runner) return;
    await runner.stop(graceMs);
    if (map.get(name) !== runner) return;
    map.delete(name);
    if (!build) await this.announce(name, false);
    await this.unlock(key);
    this.logger.info({ projection: name, workerId: this.workerId }, build ? 'released build' : 'released projection');
  }

  /** A runner ended on its own (failed, switched, or not runnable here): give its lock back. */
  private ended(key: string, runner: ProjectionRunner<E>): void {
    const { map, name, build } = this.held(key);
    if (map.get(name) !== runner) return;
    map.delete(name);
    void (build ? Promise.resolve() : this.announce(name, false)).then(() => this.unlock(key));
  }

  private connectionLost(): void {
    // Every session lock is gone with the session: stop running anything (another worker may take over now;
    // a batch already in flight is still protected by the check-and-set on the checkpoint).
    this.logger.warn({ workerId: this.workerId }, 'worker connection lost: stopping all projections; reconnecting');
    this.reconnecting = true;
    const lost = [...[...this.runners].map(([name, runner]) => [name, runner] as const), ...[...this.builds].map(([name, runner]) => [buildLock(name), runner] as const)];
    this.runners.clear();
    this.builds.clear();
    for (const [key, runner] of lost) {
      this.retiring.set(runner, key);
      void runner.stop().finally(() => this.retiring.delete(runner));
      if (!this.held(key).build) void this.announce(runner.projection.name, false);
    }
  }

  private async unlock(key: string): Promise<void> {
    const { connection } = this.options;
    if (connection.connected) await connection.unlock(key).catch(() => {});
  }

  private async announce(projection: string, owned: boolean): Promise<void> {
    try {
      await this.options.onOwnershipChange?.({ projection, owned, workerId: this.workerId });
    } catch (error) {
      this.logger.warn({ err: coerceError(error), projection }, 'onOwnershipChange failed');
    }
  }
}
