import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { EventShape, Query } from '@tally/eventstore';
import type { Listener } from '@tally/eventstream';
import { Kysely, PostgresDialect } from 'kysely';
import { ClaimLoop } from './claim-loop.js';
import { validTimeout } from './define-projection.js';
import { SealLoop } from './seal-loop.js';
import { createProjectorPool } from './create-projector-pool.js';
import { ConfigurationError, ProjectionError, ProjectorStoppedError, UnknownProjectionError } from './errors.js';
import { silentLogger } from './logger.js';
import type { RunnerContext } from './runner-context.js';
import type { Projector } from './projector.js';
import type { ProjectorOptions } from './projector-options.js';
import { createStatusReader } from './projector-status.js';
import { rebuildProjection, requestProjectionBuild } from './rebuild-projection.js';
import { createParkActions } from './parking/park-actions.js';
import type { ProjectorTables } from './schema/tables.js';
import { migrateProjector } from './schema/migrate.js';
import { setupProjections } from './setup-projections.js';
import { observeProjector } from './telemetry/observe-projector.js';
import type { Projection } from './types.js';
import { WorkerConnection } from './worker-connection.js';

export type { Projector } from './projector.js';
export type { ProjectorOptions, WakeupSource, WakeupStream } from './projector-options.js';

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
  const sealIntervalMs = options.sealIntervalMs ?? 5000;
  if (sealIntervalMs !== false && !validTimeout(sealIntervalMs)) {
    throw new ConfigurationError('sealIntervalMs must be a positive integer of milliseconds, or false');
  }
  const sealer = sealIntervalMs === false ? undefined : new SealLoop(options.store, sealIntervalMs, logger, workerId);
  const schema = options.store.schema;
  const pool = createProjectorPool(connectionString, options.maxConnections ?? 5, logger, workerId);
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
  const connection = new WorkerConnection(connectionString, schema, workerId);
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
  const unsubscribeWakeup = options.wakeup?.subscribe(wakeAll);
  let streamSubscription: { stop(): Promise<void> } | undefined;
  let stopObserving: (() => void) | undefined;
  let listener: Listener | undefined;
  const reader = createStatusReader<E>({ options, db, scoped, schema, projections, runners, builds, lagCountLimit: options.lagCountLimit ?? 10_000 });

  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let prepared = false;
  /** Set by `stop()`: the pool is closed or about to be. */
  let stopRequested = false;

  /**
   * Runs `work` unless `stop()` was called. A call in flight that fails because `stop()` closed the pool under it
   * fails with {@link ProjectorStoppedError} (the raw error as `cause`), not with a pool error.
   */
  async function whileOpen<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (stopRequested) throw new ProjectorStoppedError(operation);
    try {
      return await work();
    } catch (error) {
      if (stopRequested && !(error instanceof ProjectionError)) throw new ProjectorStoppedError(operation, { cause: error });
      throw error;
    }
  }

  /**
   * Wake-ups: the one LISTEN connection of the process is the `Listener` of `@tally/eventstream` (it reconnects
   * forever with the shared backoff); with `options.stream` it is the stream's, and the projector opens none.
   * Its `application_name` does not start with the workers' prefix, so it is not counted as a live worker.
   * Loaded by `start()` only: `status()` and `rebuild()` (the CLI's short-lived commands) never LISTEN.
   */
  const startListener = async (): Promise<void> => {
    if (options.stream) return;
    const { Listener } = await import('@tally/eventstream');
    if (stopRequested) return; // stop() was called meanwhile
    listener = new Listener(
      { connectionString, channel: options.store.channel, applicationName: `tally-projector-listen:${workerId}`.slice(0, 63) },
      {
        onNotification: wakeAll,
        // Notifications sent before LISTEN was in place (or while it was down) are gone: read again now.
        onListening: (reconnected) => {
          if (reconnected) logger.info({ workerId }, 'LISTEN connection re-established: reading again');
          wakeAll();
        },
        onError: (error) => logger.warn({ workerId, err: error }, `${error.message}; polling every ${ctx.pollIntervalMs} ms meanwhile`),
      },
    );
    listener.start();
  };

  /** Kysely ends the pool only if a Kysely query ever ran on it; batches check connections out of it directly. */
  async function closePool(): Promise<void> {
    await db.destroy();
    if (!pool.ending && !pool.ended) await pool.end();
  }

  async function prepare(): Promise<void> {
    if (prepared) return;
    await setupProjections(db, schema, projections.values());
    prepared = true;
  }

  let migrating: Promise<void> | undefined;
  const migrated = () => (migrating ??= migrateProjector(db, schema).catch((error: unknown) => {
    migrating = undefined;
    throw error;
  }));

  const park = createParkActions<E>({ ctx, projections, prepare, changed: (name) => runners.get(name)?.wake() });

  const projector: Projector = {
    workerId,
    start() {
      if (state === 'running') return Promise.resolve();
      if (state === 'starting' && starting) return starting;
      if (state !== 'new') return Promise.reject(new ProjectorStoppedError('start'));
      state = 'starting';
      starting = (async () => {
        await prepare();
        await connection.connect();
        if (state !== 'starting') return; // stop() was called meanwhile
        state = 'running';
        await startListener();
        if (stopRequested) return; // stop() was called meanwhile
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
        sealer?.start();
        stopObserving = observeProjector(() => projector.status());
        logger.info({ workerId, projections: [...projections.keys()] }, 'projector started');
      })().catch(async (error: unknown) => {
        state = 'stopped';
        await listener?.close();
        await connection.close();
        throw error;
      });
      return starting;
    },

    stop(stopOptions = {}) {
      stopRequested = true;
      if (stopping) return stopping;
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        stopping = closePool();
        return stopping;
      }
      state = 'stopping';
      stopping = (async () => {
        await starting?.catch(() => {});
        unsubscribeWakeup?.();
        stopObserving?.();
        await Promise.all([streamSubscription?.stop(), listener?.close()]);
        await Promise.all([claims.stop(stopOptions.timeoutMs), sealer?.stop()]);
        await connection.close();
        await closePool();
        state = 'stopped';
        logger.info({ workerId }, 'projector stopped');
      })();
      return stopping;
    },

    rebuild(name) {
      return whileOpen('rebuild', async () => {
        const projection = projections.get(name);
        if (!projection) throw new UnknownProjectionError(name);
        if (projection.inline) throw new ConfigurationError(`projection "${name}" is inline: rebuild it by replaying with applyInline`);
        await prepare();
        if (projection.tables) await requestProjectionBuild(db, schema, projection);
        else await rebuildProjection(db, schema, projection, runners.has(name) ? workerId : null);
        runners.get(name)?.wake();
      });
    },

    parked: (name) => whileOpen('parked', () => park.parked(name)),
    retryParked: (name, retryOptions) => whileOpen('retryParked', () => park.retryParked(name, retryOptions)),
    skipParked: (name, skipOptions) => whileOpen('skipParked', () => park.skipParked(name, skipOptions)),
    resume: (name) => whileOpen('resume', () => park.resume(name)),

    // A projector that never ran on this database (`tally-projector status` first) finds its tables migrated.
    status: () =>
      whileOpen('status', async () => {
        await migrated();
        return reader.status();
      }),
    owned: () => [...runners.keys()],

    waitForCatchUp: (waitOptions) => whileOpen('waitForCatchUp', () => reader.waitForCatchUp(waitOptions)),
  };
  return projector;
}
