import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventShape, EventStore, Query } from '@tally/eventstore';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { CatchUpError, coerceError, ConfigurationError, UnknownProjectionError } from './errors.js';
import { silentLogger, type ProjectorLogger } from './logger.js';
import { ProjectionRunner, type RunnerContext } from './projection-runner.js';
import { rebuildProjection } from './rebuild-projection.js';
import { migrateProjector } from './schema/migrate.js';
import type { ProjectorTables } from './schema/tables.js';
import { ensureCheckpoint, loadCheckpoints } from './sql/checkpoints.js';
import type { AnyProjection, Projection, ProjectionState, ProjectionStatus } from './types.js';
import { WorkerConnection, type WakeupSource } from './worker-connection.js';

/** Options of {@link createProjector}. */
export interface ProjectorOptions<E extends EventShape> {
  readonly store: EventStore<E>;
  /** The projections this worker may run (every worker of a deployment should list the same ones). */
  readonly projections: readonly AnyProjection<E>[];
  /** Database of the store and the read tables. @defaultValue process.env.DATABASE_URL */
  readonly connectionString?: string;
  /** Events read and handled per transaction. @defaultValue 500 */
  readonly batchSize?: number;
  /** Longest wait for new events when NOTIFY hints are missed. @defaultValue 1000 */
  readonly pollIntervalMs?: number;
  /** How often the worker looks for projections nobody runs (the takeover delay after a crash). @defaultValue 1000 */
  readonly claimIntervalMs?: number;
  /** Identifies this worker in `status()` and logs. @defaultValue `${hostname}:${pid}:${random}` */
  readonly workerId?: string;
  /** Attempts of a failing batch before the projection is marked failed. @defaultValue 5 */
  readonly maxAttempts?: number;
  /** First retry delay (doubles each attempt, with jitter). @defaultValue 200 */
  readonly retryDelayMs?: number;
  /** Pool size for batch transactions. @defaultValue 5 */
  readonly maxConnections?: number;
  /** Structured logger (pino fits). @defaultValue silent */
  readonly logger?: ProjectorLogger;
  /**
   * Called (and awaited) right after this worker takes a projection's lock, and right before it gives it back:
   * for logs, metrics, or tests that check ownership intervals. Errors are logged and ignored.
   */
  readonly onOwnershipChange?: (change: { readonly projection: string; readonly owned: boolean; readonly workerId: string }) => Promise<void> | void;
  /**
   * Extra wake-up hints besides the worker's own LISTEN on `store.channel` (e.g. an `@tally/eventstream`
   * subscription). Hints only: runners always read from their checkpoint, and poll every `pollIntervalMs`.
   */
  readonly wakeup?: WakeupSource;
  /**
   * An `@tally/eventstream` stream: the projector subscribes to the events its projections read (from the end)
   * and takes each batch as a wake-up hint. The batches themselves are not applied: runners read from their own
   * checkpoints, in their own transactions.
   */
  readonly stream?: WakeupStream<E>;
  /** Cap of the matching events counted for `lagEvents` in `status()`. @defaultValue 10000 */
  readonly lagCountLimit?: number;
}

/** The part of an `@tally/eventstream` stream the projector uses. `EventStream<E>` satisfies it. */
export interface WakeupStream<E extends EventShape> {
  subscribe(
    options: { readonly query?: Query<E>; readonly after: 'end'; readonly batchSize: number; readonly maxWaitMs: number; readonly name: string },
    handler: () => void,
  ): { stop(): Promise<void> };
}

/** A projector worker. */
export interface Projector {
  readonly workerId: string;
  /** Migrates, sets up read tables, and starts claiming and running projections. Safe to call twice; not after `stop()`. */
  start(): Promise<void>;
  /** Stops claiming, lets every batch in flight commit, releases the locks. Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Resets the projection's read tables and checkpoint to the start in one transaction (from any process);
   * its worker then replays it. Resolves once the reset is committed (not when replay has caught up).
   * @throws {UnknownProjectionError} {@link ConfigurationError} for an inline projection
   */
  rebuild(name: string): Promise<void>;
  /** Every projection's state, checkpoint, lag, last error and owner. */
  status(): Promise<ProjectionStatus[]>;
  /** Names of the projections this process runs now. */
  owned(): string[];
  /**
   * Resolves once every projection (but inline ones) has applied every event committed before the call, by
   * this worker or another: each checkpoint has passed the transaction ids of the caller's snapshot. Events
   * are applied once settled, so a transaction open anywhere on the server delays it until it ends. For
   * tests, demos and read-your-writes. `lagEvents` in `status()` cannot tell this: it counts settled events only.
   * @throws {CatchUpError} when a projection has failed, or after `timeoutMs` (default 30 000)
   */
  waitForCatchUp(options?: { readonly timeoutMs?: number }): Promise<void>;
}

/**
 * Creates a projector worker: it runs each projection in batches (handler + checkpoint in one transaction,
 * check-and-set), in exactly one worker at a time (session advisory locks), spread over the live workers.
 * @example
 * const projector = createProjector({ store, projections: [balances], connectionString });
 * await projector.start();
 * process.on('SIGTERM', () => projector.stop());
 * @throws {ConfigurationError} on missing connection string or duplicate projection names
 */
export function createProjector<E extends EventShape>(options: ProjectorOptions<E>): Projector {
  const connectionString = options.connectionString ?? process.env.DATABASE_URL;
  if (!connectionString) throw new ConfigurationError('createProjector needs connectionString (or DATABASE_URL)');
  const projections = new Map<string, Projection<E, unknown>>();
  for (const projection of options.projections as unknown as readonly Projection<E, unknown>[]) {
    if (projections.has(projection.name)) throw new ConfigurationError(`duplicate projection name "${projection.name}"`);
    projections.set(projection.name, projection);
  }
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const logger = options.logger ?? silentLogger;
  const claimIntervalMs = options.claimIntervalMs ?? 1000;
  const lagCountLimit = options.lagCountLimit ?? 10_000;
  const schema = options.store.schema;
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 5, application_name: 'tally-projector-batches' });
  pool.on('error', () => {});
  const db = new Kysely<ProjectorTables>({ dialect: new PostgresDialect({ pool }) });
  const scoped = db.withSchema(schema);
  const ctx: RunnerContext<E> = {
    store: options.store,
    db,
    schema,
    workerId,
    batchSize: options.batchSize ?? 500,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    maxAttempts: options.maxAttempts ?? 5,
    retryDelayMs: options.retryDelayMs ?? 200,
    logger,
  };
  const connection = new WorkerConnection(connectionString, schema, options.store.channel, workerId);
  const runners = new Map<string, ProjectionRunner<E>>();
  const wakeAll = () => {
    for (const runner of runners.values()) runner.wake();
  };
  connection.subscribe(wakeAll);
  const unsubscribeWakeup = options.wakeup?.subscribe(wakeAll);
  let streamSubscription: { stop(): Promise<void> } | undefined;

  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let claimTimer: NodeJS.Timeout | undefined;
  let claiming: Promise<void> = Promise.resolve();
  let prepared = false;

  async function prepare(): Promise<void> {
    if (prepared) return;
    await migrateProjector(db as unknown as Kysely<unknown>, schema);
    for (const projection of projections.values()) {
      await projection.setup(db as unknown as Kysely<unknown>);
      await ensureCheckpoint(scoped, projection.name, projection.version);
    }
    prepared = true;
  }

  /** Stops a runner and releases its lock. */
  async function release(name: string): Promise<void> {
    const runner = runners.get(name);
    if (!runner) return;
    await runner.stop();
    runners.delete(name);
    await announce(name, false);
    if (connection.connected) await connection.unlock(name).catch(() => {});
    logger.info({ projection: name, workerId }, 'released projection');
  }

  async function announce(projection: string, owned: boolean): Promise<void> {
    try {
      await options.onOwnershipChange?.({ projection, owned, workerId });
    } catch (error) {
      logger.warn({ err: coerceError(error), projection }, 'onOwnershipChange failed');
    }
  }

  connection.onLost(() => {
    // Every session lock is gone with the session: stop running anything (another worker may take over now;
    // a batch already in flight is still protected by the check-and-set on the checkpoint).
    logger.warn({ workerId }, 'worker connection lost: stopping all projections');
    const lost = [...runners.values()];
    runners.clear();
    for (const runner of lost) void runner.stop();
  });

  async function claim(): Promise<void> {
    if (state !== 'running') return;
    if (!connection.connected) await connection.connect();
    const rows = await loadCheckpoints(scoped, [...projections.keys()]);
    const runnable = rows.filter((row) => {
      const p = projections.get(row.name);
      return p && !p.inline && !(row.status === 'failed' && row.version === p.version) && row.version <= p.version;
    });
    const live = await connection.liveWorkers();
    const quota = Math.ceil(runnable.length / live);
    // Give back projections above the fair share (newest workers pick them up).
    const mine = [...runners.keys()];
    for (const name of mine.slice(quota)) await release(name);
    for (const row of runnable) {
      if (state !== 'running' || runners.size >= quota) break;
      if (runners.has(row.name)) continue;
      if (!(await connection.tryLock(row.name))) continue;
      const projection = projections.get(row.name)!;
      const runner: ProjectionRunner<E> = new ProjectionRunner<E>(projection, ctx, (ended) => {
        if (runners.get(ended.projection.name) === ended) {
          runners.delete(ended.projection.name);
          void announce(ended.projection.name, false).then(() => (connection.connected ? connection.unlock(ended.projection.name) : undefined)).catch(() => {});
        }
      });
      runners.set(row.name, runner);
      await announce(row.name, true);
      logger.info({ projection: row.name, workerId }, 'claimed projection');
      runner.start();
    }
  }

  function scheduleClaim(): void {
    if (state !== 'running') return;
    claimTimer = setTimeout(() => {
      claiming = claim()
        .catch((error: unknown) => logger.warn({ err: coerceError(error), workerId }, 'claim failed; retrying'))
        .finally(scheduleClaim);
    }, claimIntervalMs);
  }

  const projector: Projector = {
    workerId,
    start() {
      if (state === 'running') return Promise.resolve();
      if (state === 'starting' && starting) return starting;
      if (state !== 'new') return Promise.reject(new ConfigurationError(`cannot start a projector that is ${state} (create a new one)`));
      state = 'starting';
      starting = (async () => {
        await prepare();
        await connection.connect();
        if (state !== 'starting') return; // stop() was called meanwhile
        state = 'running';
        if (options.stream) {
          const items = [...projections.values()].map((p) => p.query);
          // A projection with no query reads every event: then the hint subscription must too.
          const query: Query<E> | undefined = items.some((q) => q.length === 0) ? undefined : items.flat();
          streamSubscription = options.stream.subscribe(
            { ...(query ? { query } : {}), after: 'end', batchSize: 1000, maxWaitMs: 0, name: `tally-projector:${workerId}` },
            wakeAll,
          );
        }
        claiming = claim().catch((error: unknown) => logger.warn({ err: coerceError(error), workerId }, 'claim failed; retrying'));
        await claiming;
        scheduleClaim();
        logger.info({ workerId, projections: [...projections.keys()] }, 'projector started');
      })().catch(async (error: unknown) => {
        state = 'stopped';
        await connection.close();
        throw error;
      });
      return starting;
    },

    stop() {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return stopping ?? db.destroy();
      }
      if (state === 'stopping' && stopping) return stopping;
      state = 'stopping';
      stopping = (async () => {
        await starting?.catch(() => {});
        clearTimeout(claimTimer);
        unsubscribeWakeup?.();
        await streamSubscription?.stop();
        await claiming;
        await Promise.allSettled([...runners.keys()].map((name) => release(name)));
        await connection.close();
        await db.destroy();
        state = 'stopped';
        logger.info({ workerId }, 'projector stopped');
      })();
      return stopping;
    },

    async rebuild(name) {
      const projection = projections.get(name);
      if (!projection) throw new UnknownProjectionError(name);
      if (projection.inline) throw new ConfigurationError(`projection "${name}" is inline: rebuild it by replaying with applyInline`);
      await prepare();
      await rebuildProjection(db, schema, projection, runners.has(name) ? workerId : null);
      runners.get(name)?.wake();
    },

    async status() {
      const rows = new Map((await loadCheckpoints(scoped, [...projections.keys()])).map((row) => [row.name, row]));
      const { rows: headRows } = await sql<{ head: string | null }>`SELECT max(position)::text AS head FROM ${sql.id(schema, 'events')}`.execute(db);
      const head = BigInt(headRows[0]?.head ?? '0');
      const result: ProjectionStatus[] = [];
      for (const projection of projections.values()) {
        const row = rows.get(projection.name);
        const runner = runners.get(projection.name);
        const checkpoint = runner?.checkpoint ?? row?.checkpoint ?? { transactionId: 0n, position: 0n };
        let lagEvents = 0;
        let lagSeconds = 0;
        if (!projection.inline) {
          const { events } = await options.store.readSettled(projection.query, { after: checkpoint, limit: lagCountLimit });
          lagEvents = events.length;
          const oldest = events.reduce<Date | undefined>((min, e) => (min === undefined || e.occurredAt < min ? e.occurredAt : min), undefined);
          lagSeconds = oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
        }
        const state: ProjectionState = projection.inline
          ? 'inline'
          : runner
            ? runner.state
            : ((row?.status ?? 'idle') as ProjectionState);
        result.push({
          name: projection.name,
          version: projection.version,
          storedVersion: row?.version ?? null,
          state,
          checkpoint,
          head,
          lagEvents,
          lagSeconds,
          lastError: runner?.lastError ?? row?.lastError ?? null,
          failedPosition: row?.failedPosition ?? null,
          owner: row?.owner ?? null,
          ownedHere: runner !== undefined,
        });
      }
      return result;
    },

    owned: () => [...runners.keys()],

    async waitForCatchUp({ timeoutMs = 30_000 } = {}) {
      const { rows } = await sql<{ xmax: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`.execute(db);
      const target = BigInt(rows[0]!.xmax);
      const deadline = Date.now() + timeoutMs;
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        const pending = (await projector.status()).filter((s) => s.state !== 'inline' && s.checkpoint.transactionId < target);
        const failed = pending.find((s) => s.state === 'failed');
        if (failed) throw new CatchUpError(failed.name, `projection "${failed.name}" failed: ${failed.lastError ?? 'unknown error'}`);
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          const behind = pending.map((s) => `${s.name} (${s.state}, at transaction ${s.checkpoint.transactionId})`).join(', ');
          throw new CatchUpError(pending[0]!.name, `not caught up with transaction ${target} after ${timeoutMs} ms: ${behind}`);
        }
        await sleep(pause);
      }
    },
  };
  return projector;
}
