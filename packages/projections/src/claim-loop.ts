import type { EventShape } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import { backoffDelay } from '@tally/eventstore';
import { coerceError } from './errors.js';
import { ProjectionRunner, type RunnerContext } from './projection-runner.js';
import type { ProjectorOptions } from './projector-options.js';
import type { ProjectorTables } from './schema/tables.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import type { Projection } from './types.js';
import type { WorkerConnection } from './worker-connection.js';

/** Longest pause between claims while they keep failing (the database is down, say). */
const maxClaimBackoffMs = 5000;

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
  /** The runners of this process, by projection name. */
  readonly runners = new Map<string, ProjectionRunner<E>>();
  /** Runners stopped when the connection was lost, until their batch in flight has ended. */
  private readonly retiring = new Set<ProjectionRunner<E>>();
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
    const releaseAll = () => Promise.allSettled([...this.runners.keys()].map((name) => this.release(name, graceMs)));
    await Promise.all([releaseAll(), ...[...this.retiring].map((runner) => runner.stop(graceMs))]);
    await this.claiming;
    await releaseAll(); // anything a claim in flight took meanwhile
  }

  /** Wakes every runner up (new events may be there). */
  wakeAll(): void {
    for (const runner of this.runners.values()) runner.wake();
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
    const runnable = rows.filter((row) => {
      const p = projections.get(row.name);
      return p && !p.inline && !(row.status === 'failed' && row.version === p.version) && row.version <= p.version;
    });
    const live = await connection.liveWorkers();
    const quota = Math.ceil(runnable.length / live);
    // Give back projections above the fair share (newest workers pick them up).
    for (const name of [...this.runners.keys()].slice(quota)) await this.release(name);
    for (const row of runnable) {
      if (!this.running || this.runners.size >= quota) break;
      if (this.runners.has(row.name) || [...this.retiring].some((r) => r.projection.name === row.name)) continue;
      if (!(await connection.tryLock(row.name))) continue;
      if (!this.running) {
        await connection.unlock(row.name);
        break;
      }
      const runner = new ProjectionRunner<E>(projections.get(row.name)!, this.options.ctx, (ended) => this.ended(ended));
      this.runners.set(row.name, runner);
      await this.announce(row.name, true);
      this.logger.info({ projection: row.name, workerId: this.workerId }, 'claimed projection');
      runner.start();
    }
  }

  /** Stops a runner and gives its lock back (once, however many callers ask). */
  private async release(name: string, graceMs?: number): Promise<void> {
    const runner = this.runners.get(name);
    if (!runner) return;
    await runner.stop(graceMs);
    if (this.runners.get(name) !== runner) return;
    this.runners.delete(name);
    await this.announce(name, false);
    await this.unlock(name);
    this.logger.info({ projection: name, workerId: this.workerId }, 'released projection');
  }

  /** A runner ended on its own (failed, or not runnable here): give its lock back. */
  private ended(runner: ProjectionRunner<E>): void {
    const { name } = runner.projection;
    if (this.runners.get(name) !== runner) return;
    this.runners.delete(name);
    void this.announce(name, false).then(() => this.unlock(name));
  }

  private connectionLost(): void {
    // Every session lock is gone with the session: stop running anything (another worker may take over now;
    // a batch already in flight is still protected by the check-and-set on the checkpoint).
    this.logger.warn({ workerId: this.workerId }, 'worker connection lost: stopping all projections; reconnecting');
    this.reconnecting = true;
    const lost = [...this.runners.values()];
    this.runners.clear();
    for (const runner of lost) {
      this.retiring.add(runner);
      void runner.stop().finally(() => this.retiring.delete(runner));
      void this.announce(runner.projection.name, false);
    }
  }

  private async unlock(name: string): Promise<void> {
    const { connection } = this.options;
    if (connection.connected) await connection.unlock(name).catch(() => {});
  }

  private async announce(projection: string, owned: boolean): Promise<void> {
    try {
      await this.options.onOwnershipChange?.({ projection, owned, workerId: this.workerId });
    } catch (error) {
      this.logger.warn({ err: coerceError(error), projection }, 'onOwnershipChange failed');
    }
  }
}
