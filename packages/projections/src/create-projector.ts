import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventShape, Query } from '@tally/eventstore';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { ClaimLoop } from './claim-loop.js';
import { validTimeout } from './define-projection.js';
import { ConfigurationError, UnknownProjectionError } from './errors.js';
import { silentLogger } from './logger.js';
import type { RunnerContext } from './projection-runner.js';
import type { ProjectorOptions } from './projector-options.js';
import { createStatusReader } from './projector-status.js';
import { rebuildProjection, requestProjectionBuild } from './rebuild-projection.js';
import { migrateProjector } from './schema/migrate.js';
import type { ProjectorTables } from './schema/tables.js';
import { ensureCheckpoint } from './sql/ensure-checkpoint.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import type { Projection, ProjectionStatus } from './types.js';
import { WorkerConnection } from './worker-connection.js';

export type { ProjectorOptions, WakeupStream } from './projector-options.js';

/** A projector worker. */
export interface Projector {
  readonly workerId: string;
  /** Migrates, sets up read tables, and starts claiming and running projections. Safe to call twice; not after `stop()`. */
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
  const handlerTimeoutMs = options.handlerTimeoutMs ?? 30_000;
  if (!validTimeout(handlerTimeoutMs)) throw new ConfigurationError('handlerTimeoutMs must be a positive integer of milliseconds');
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const logger = options.logger ?? silentLogger;
  const schema = options.store.schema;
  const pool = new pg.Pool({ connectionString, max: options.maxConnections ?? 5, application_name: 'tally-projector-batches', keepAlive: true });
  // A restart, a failover or a killed session must not crash the process. An idle client that loses its server
  // errors on the pool (it replaces it on next use); a checked-out one has no pool listener, and a FATAL that
  // arrives between a query's end and the client's release would be an uncaught 'error' event: listen on each.
  // Queries in flight still reject, and the runners and the claim loop retry them with backoff.
  // (pg-pool attaches the whole client to the error: log its message only.)
  pool.on('error', (error) => logger.warn({ workerId, error: error.message }, 'idle projector connection lost'));
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<ProjectorTables>({ dialect: new PostgresDialect({ pool }) });
  const scoped = db.withSchema(schema);
  const ctx: RunnerContext<E> = {
    store: options.store,
    db,
    pool,
    schema,
    workerId,
    batchSize: options.batchSize ?? 500,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    maxAttempts: options.maxAttempts ?? 5,
    retryDelayMs: options.retryDelayMs ?? 200,
    handlerTimeoutMs,
    logger,
  };
  const connection = new WorkerConnection(connectionString, schema, options.store.channel, workerId);
  const claims = new ClaimLoop<E>({
    projections,
    ctx,
    connection,
    scoped,
    claimIntervalMs: options.claimIntervalMs ?? 1000,
    ...(options.onOwnershipChange ? { onOwnershipChange: options.onOwnershipChange } : {}),
  });
  const { runners, builds } = claims;
  const wakeAll = () => claims.wakeAll();
  connection.subscribe(wakeAll);
  const unsubscribeWakeup = options.wakeup?.subscribe(wakeAll);
  let streamSubscription: { stop(): Promise<void> } | undefined;
  const reader = createStatusReader<E>({ options, db, scoped, schema, projections, runners, builds, lagCountLimit: options.lagCountLimit ?? 10_000 });

  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let prepared = false;

  /** Kysely ends the pool only if a Kysely query ever ran on it; batches check connections out of it directly. */
  async function closePool(): Promise<void> {
    await db.destroy();
    if (!pool.ending && !pool.ended) await pool.end();
  }

  async function prepare(): Promise<void> {
    if (prepared) return;
    await migrateProjector(db, schema);
    const live = new Map((await loadCheckpoints(scoped, [...projections.keys()])).map((row) => [row.name, row.version]));
    for (const projection of projections.values()) {
      // With `tables`, the live tables are set up by the live version only: another version's go into its build.
      const version = live.get(projection.name);
      if (!projection.tables || version === undefined || version === projection.version) await projection.setup(db as unknown as Kysely<unknown>);
      await ensureCheckpoint(scoped, projection.name, projection.version);
    }
    prepared = true;
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
        await claims.start();
        logger.info({ workerId, projections: [...projections.keys()] }, 'projector started');
      })().catch(async (error: unknown) => {
        state = 'stopped';
        await connection.close();
        throw error;
      });
      return starting;
    },

    stop(stopOptions = {}) {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return stopping ?? closePool();
      }
      if (state === 'stopping' && stopping) return stopping;
      state = 'stopping';
      stopping = (async () => {
        await starting?.catch(() => {});
        unsubscribeWakeup?.();
        await streamSubscription?.stop();
        await claims.stop(stopOptions.timeoutMs);
        await connection.close();
        await closePool();
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
      if (projection.tables) await requestProjectionBuild(db, schema, projection);
      else await rebuildProjection(db, schema, projection, runners.has(name) ? workerId : null);
      runners.get(name)?.wake();
    },

    status: reader.status,
    owned: () => [...runners.keys()],

    waitForCatchUp: reader.waitForCatchUp,
  };
  return projector;
}
