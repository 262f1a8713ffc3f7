import type { EventShape, SettledCheckpoint } from '@tally/eventstore';
import type { Transaction } from 'kysely';
import { backoffDelay } from '@tally/eventstore';
import { BatchTransaction } from './batch-transaction.js';
import { BatchAbandonedError, coerceError, ProjectionHandlerError } from './errors.js';
import { findPoison } from './find-poison.js';
import { handlerFailure } from './handler-failure.js';
import { scrubErasures } from './scrub-erasures.js';
import { setAside, type PoisonToPark } from './parking/set-aside.js';
import type { RunnerContext } from './runner-context.js';
import type { RunTarget } from './run-target.js';
import { ProjectBatchTrace } from './telemetry/project-batch-trace.js';
import type { Projection, ProjectionState } from './types.js';
import { WakeableSleep } from './wakeable-sleep.js';

type HandlerEvents<E extends EventShape> = Parameters<Projection<E, unknown>['handle']>[0];

type BatchOutcome = 'more' | 'caught-up' | 'moved';

/**
 * Runs one projection that this worker holds the lock of: batch after batch, each in one transaction with
 * its check-and-set checkpoint update, until stopped, failed, or the projection turns out not runnable here.
 * Its {@link RunTarget} says which tables and checkpoint: the live ones, or a build beside them.
 */
export class ProjectionRunner<E extends EventShape> {
  state: ProjectionState = 'idle';
  checkpoint: SettledCheckpoint = { transactionId: 0n, position: 0n };
  lastError: string | null = null;
  private readonly sleeper = new WakeableSleep();
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
      if (!this.sleeper.stopping) this.onExit(this);
    });
  }

  /** Hint: new events may be there. */
  wake(): void {
    this.sleeper.wake();
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
    this.sleeper.stop();
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
    while (!this.sleeper.stopping) {
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
              await this.sleeper.sleep(backoffDelay(handlerAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
              continue;
            }
            if (isolated === 'stopped') return;
            handlerAttempts = 0;
            if (isolated === 'moved' && !(await this.retrying(() => this.prepare()))) return;
            continue;
          }
          await this.sleeper.sleep(backoffDelay(handlerAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 30_000 }), false);
        } else {
          otherAttempts += 1;
          this.ctx.logger.warn({ projection: name, attempt: otherAttempts, err: coerceError(error) }, 'projection batch failed; retrying');
          await this.sleeper.sleep(backoffDelay(otherAttempts, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
        }
        continue;
      }
      if (outcome === 'moved') {
        if (!(await this.retrying(() => this.prepare()))) return;
      } else if (outcome === 'caught-up' && !this.target.finishing) {
        await this.sleeper.sleep(this.ctx.pollIntervalMs);
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

  /**
   * One batch, on its own connection: lock the checkpoint row at `from`, read settled events, handle, move the
   * checkpoint, commit. A handler past `handlerTimeoutMs` loses the batch (see {@link BatchTransaction}).
   */
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
          throw handlerFailure(name, error, batch, handled[0]!.position);
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

  private async fail(error: ProjectionHandlerError): Promise<void> {
    this.ctx.logger.error({ projection: this.projection.name, position: error.position.toString(), err: error }, 'projection stopped: handler kept failing');
    await this.retrying(() => this.target.markFailed(this.checkpoint, error.message, error.position));
    this.state = 'failed';
    this.lastError = error.message;
  }

  /** Runs `work` until it succeeds or the runner stops (then undefined). */
  private async retrying<T>(work: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 1; !this.sleeper.stopping; attempt++) {
      try {
        return await work();
      } catch (error) {
        this.ctx.logger.warn({ projection: this.projection.name, err: coerceError(error) }, 'projector database call failed; retrying');
        await this.sleeper.sleep(backoffDelay(attempt, { baseMs: this.ctx.retryDelayMs, maxMs: 10_000 }));
      }
    }
    return undefined;
  }
}
