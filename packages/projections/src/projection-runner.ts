import type { EventShape, EventStore, SettledCheckpoint } from '@tally/eventstore';
import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import { backoffDelay } from '@tally/eventstore';
import { BatchTransaction } from './batch-transaction.js';
import { BatchAbandonedError, coerceError, HandlerTimeoutError, isConnectionLoss, ProjectionHandlerError } from './errors.js';
import { findPoison } from './find-poison.js';
import { scrubErasures } from './scrub-erasures.js';
import type { ProjectorLogger } from './logger.js';
import { setAside, type PoisonToPark } from './parking/set-aside.js';
import type { RunTarget } from './run-target.js';
import type { ProjectorTables } from './schema/tables.js';
import { ProjectBatchTrace } from './telemetry/project-batch-trace.js';
import type { Projection, ProjectionState } from './types.js';

/** Settings a runner shares with its projector. */
export interface RunnerContext<E extends EventShape> {
  readonly store: EventStore<E>;
  readonly db: Kysely<ProjectorTables>;
  /** The pool `db` runs on: each batch checks one connection out of it, to be able to destroy it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly workerId: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  /** Default of the projections' `handlerTimeoutMs`. */
  readonly handlerTimeoutMs: number;
  readonly logger: ProjectorLogger;
}

type HandlerEvents<E extends EventShape> = Parameters<Projection<E, unknown>['handle']>[0];

type BatchOutcome = 'more' | 'caught-up' | 'moved';

/** SQLSTATE of a session the server ended for idling in a transaction past `idle_in_transaction_session_timeout`. */
const idleInTransactionTimeout = '25P03';

/**
 * Runs one projection that this worker holds the lock of: batch after batch, each in one transaction with
 * its check-and-set checkpoint update, until stopped, failed, or the projection turns out not runnable here.
 * Its {@link RunTarget} says which tables and checkpoint: the live ones, or a build beside them.
 */
export class ProjectionRunner<E extends EventShape> {
  state: ProjectionState = 'idle';
  checkpoint: SettledCheckpoint = { transactionId: 0n, position: 0n };
  lastError: string | null = null;
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;
  private loop: Promise<void> | undefined;
  private inFlight: BatchTransaction | undefined;
  private abortReason: Error | undefined;
  /** Events read by the last batch whose handler ran: the range {@link isolate} splits when it keeps failing. */
  private failingBatchSize = 1;

  constructor(
    readonly projection: Projection<E, unknown>,
    private readonly ctx: RunnerContext<E>,
    /** Called when the runner ends on its own (failed, or not runnable): the projector releases the lock. */
    private readonly onExit: (runner: ProjectionRunner<E>) => void,
    private readonly target: RunTarget,
  ) {}

  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.ctx.logger.error({ projection: this.projection.name, err: coerceError(error) }, 'projection runner crashed');
    }).finally(() => {
      if (!this.stopping) this.onExit(this);
    });
  }

  /** Hint: new events may be there. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** How long the handler may take for one batch. */
  get handlerTimeoutMs(): number {
    return this.projection.handlerTimeoutMs ?? this.ctx.handlerTimeoutMs;
  }

  /**
   * Stops after the batch in flight commits or rolls back: it ends within its handler timeout, or sooner when
   * `graceMs` is given (the batch is then abandoned after `graceMs`: rolled back, its connection destroyed).
   */
  async stop(graceMs?: number): Promise<void> {
    this.stopping = true;
    this.wakeUp?.();
    if (graceMs === undefined) return this.loop;
    const timer = setTimeout(() => this.abort(new BatchAbandonedError(this.projection.name, `the projector is stopping (after ${graceMs} ms)`)), graceMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Abandons the batch in flight, and any batch that is beginning. */
  private abort(reason: Error): void {
    this.abortReason = reason;
    this.inFlight?.abandon(reason);
  }

  private async run(): Promise<void> {
    const { name } = this.projection;
    const prepared = await this.retrying(() => this.prepare());
    if (!prepared) return;
    let handlerAttempts = 0;
    let otherAttempts = 0;
    while (!this.stopping) {
      let outcome: BatchOutcome;
      try {
        outcome = await this.batch();
        handlerAttempts = 0;
        otherAttempts = 0;
      } catch (error) {
        if (error instanceof ProjectionHandlerError) {
          handlerAttempts += 1;
          this.lastError = error.message;
          this.ctx.logger.warn({ projection: name, attempt: handlerAttempts, err: error }, 'projection handler failed');
          if (handlerAttempts >= this.ctx.maxAttempts) {
            let isolated: Awaited<ReturnType<ProjectionRunner<E>['isolate']>>;
            try {
              isolated = await this.isolate(handlerAttempts);
            } catch (isolating) {
              // Not the handler's failure (a lost connection, say): try again later, splitting again.
              this.ctx.logger.warn({ projection: name, err: coerceError(isolating) }, 'could not split the failing batch; retrying');
              await this.sleep(backoffDelay(handlerAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
              continue;
            }
            if (isolated === 'stopped') return;
            handlerAttempts = 0;
            if (isolated === 'moved' && !(await this.retrying(() => this.prepare()))) return;
            continue;
          }
          await this.sleep(backoffDelay(handlerAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 30_000 }), false);
        } else {
          otherAttempts += 1;
          this.ctx.logger.warn({ projection: name, attempt: otherAttempts, err: coerceError(error) }, 'projection batch failed; retrying');
          await this.sleep(backoffDelay(otherAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
        }
        continue;
      }
      if (outcome === 'moved') {
        if (!(await this.retrying(() => this.prepare()))) return;
      } else if (outcome === 'caught-up' && !this.target.finishing) {
        await this.sleep(this.ctx.pollIntervalMs);
      }
    }
  }

  /** Loads the target's checkpoint (see {@link RunTarget.prepare}). Returns false if it must not run here. */
  private async prepare(): Promise<boolean> {
    const prepared = await this.target.prepare();
    if (prepared.state) this.state = prepared.state;
    if (prepared.lastError !== undefined) this.lastError = prepared.lastError;
    if (!prepared.run) return false;
    this.checkpoint = prepared.checkpoint;
    return true;
  }

  /**
   * One batch, on its own connection: lock the checkpoint row at `from`, read settled events, handle, move the
   * checkpoint, commit. A handler past `handlerTimeoutMs` loses the batch (see {@link BatchTransaction}).
   */
  /**
   * After a batch failed `maxAttempts` times: finds the event the handler fails on (see {@link findPoison}), then
   * parks it and goes on (`onError: 'park'`), or stops there (`'stop'`, the default).
   */
  private async isolate(attempts: number): Promise<'stopped' | 'moved' | 'parked' | 'recovered'> {
    const { name } = this.projection;
    const found = await findPoison({ batch: async (limit) => ((await this.batch(limit)) === 'moved' ? 'moved' : 'applied') }, this.failingBatchSize);
    if (found === 'moved' || found === 'recovered') return found;
    if (this.projection.onError !== 'park') {
      await this.fail(found);
      return 'stopped';
    }
    const outcome = await this.batch(1, { error: found, attempts: attempts + 1 });
    this.ctx.logger.warn({ projection: name, position: found.position.toString(), err: found }, 'event parked: the projection goes on without it');
    return outcome === 'moved' ? 'moved' : 'parked';
  }

  private async batch(limit = this.ctx.batchSize, park?: PoisonToPark): Promise<BatchOutcome> {
    const traced = new ProjectBatchTrace(this.projection.name, this.target.kind);
    try {
      return traced.ended(await this.runBatch(limit, park, traced));
    } catch (error) {
      throw traced.failed(error);
    }
  }

  private async runBatch(limit: number, park: PoisonToPark | undefined, traced: ProjectBatchTrace): Promise<BatchOutcome> {
    const { name } = this.projection;
    const from = this.checkpoint;
    const batch = await BatchTransaction.begin(this.ctx.pool, name, this.handlerTimeoutMs);
    this.inFlight = batch;
    if (this.abortReason) batch.abandon(this.abortReason);
    try {
      const { trx } = batch;
      // Followers (other projections, subscriptions, other workers) never wait for a batch: it declares that it
      // does not append, and an append from its handler would be refused (TRANSACTION_TOO_OLD).
      await this.ctx.store.with(trx).declareNoAppend();
      if (!(await this.target.lock(trx, from))) {
        await batch.rollback();
        return 'moved';
      }
      // Erasures first: the events read after them already read as erased (see scrubErasures).
      const scrubbed = this.projection.onErase ? await scrubErasures(batch, this.projection, this.ctx, this.target.kind) : 0;
      const { events, checkpoint } = await this.ctx.store
        .with(trx as unknown as Transaction<object>)
        .readSettled(this.projection.query, { after: from, limit });
      const full = events.length === limit;
      const sameAsBefore = checkpoint.transactionId === from.transactionId && checkpoint.position === from.position;
      if (events.length === 0 && sameAsBefore && !this.target.finishing && scrubbed === 0) {
        await batch.rollback();
        return full ? 'more' : 'caught-up';
      }
      if (events.length > 0) traced.begin({ events, from, checkpoint });
      const handled = this.projection.onError === 'park' && events.length > 0 ? await setAside(trx.withSchema(this.ctx.schema), this.projection, events, park, this.target.kind) : events;
      if (handled.length > 0) {
        this.failingBatchSize = events.length;
        try {
          await batch.runHandler(() => traced.within(() => this.projection.handle(handled as unknown as HandlerEvents<E>, trx as unknown as Transaction<unknown>)));
        } catch (error) {
          throw this.handlerFailure(error, batch, handled[0]!.position);
        }
      }
      const status: ProjectionState = this.state === 'rebuilding' && full ? 'rebuilding' : 'running';
      if (!(await this.target.advance(trx, from, checkpoint, status, full))) {
        // Another worker or a rebuild moved it: roll back, reload.
        await batch.rollback();
        return 'moved';
      }
      await batch.commit();
      this.checkpoint = checkpoint;
      this.state = status;
      this.lastError = null;
      return full ? 'more' : 'caught-up';
    } catch (error) {
      await batch.rollback();
      throw error;
    } finally {
      this.inFlight = undefined;
    }
  }

  /**
   * What a failed `handle` means: the handler's failure (counted towards `maxAttempts`) when it threw or ran past
   * its time — on the client's timer or the server's idle-in-transaction timeout — but not when the connection
   * was lost under it or the batch was abandoned (a restart, a killed session, a stop): those are retried.
   */
  private handlerFailure(error: unknown, batch: BatchTransaction, position: bigint): Error {
    const { name } = this.projection;
    if (error instanceof HandlerTimeoutError) return new ProjectionHandlerError(name, position, error);
    if (error instanceof BatchAbandonedError) return error;
    const lost = batch.lost ?? (isConnectionLoss(error) ? coerceError(error) : undefined);
    const code = (lost as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown } | null)?.code;
    if (code === idleInTransactionTimeout) return new ProjectionHandlerError(name, position, new HandlerTimeoutError(batch.timeoutMs, { cause: lost ?? error }));
    if (lost) return new BatchAbandonedError(name, `connection lost: ${lost.message}`, { cause: lost });
    return new ProjectionHandlerError(name, position, error);
  }

  private async fail(error: ProjectionHandlerError): Promise<void> {
    this.ctx.logger.error({ projection: this.projection.name, position: error.position.toString(), err: error }, 'projection stopped: handler kept failing');
    await this.retrying(() => this.target.markFailed(this.checkpoint, error.message, error.position));
    this.state = 'failed';
    this.lastError = error.message;
  }

  /** Runs `work` until it succeeds or the runner stops (then undefined). */
  private async retrying<T>(work: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        return await work();
      } catch (error) {
        this.ctx.logger.warn({ projection: this.projection.name, err: coerceError(error) }, 'projector database call failed; retrying');
        await this.sleep(backoffDelay(attempt, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
      }
    }
    return undefined;
  }

  /** Waits `ms`, or less if woken up or stopped. */
  private sleep(ms: number, wakeable = true): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeable && this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        if (wakeable) this.pendingWake = false;
        else if (!this.stopping) return;
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
