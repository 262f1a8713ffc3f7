import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SettledCheckpoint } from '@tally/eventstore';
import type PQueue from 'p-queue';
import { backoffDelay } from './backoff.js';
import { formatCheckpoint, type Checkpoint } from './checkpoint.js';
import { runQueued } from './run-queued.js';
import { coerceError, SubscriptionHandlerError, SubscriptionReadError, type EventStreamError } from './errors.js';
import { withHandlerTimeout } from './handler-timeout.js';
import { traceDelivery, type TracedEvent } from './telemetry/trace-deliver.js';
import type { ResolvedSubscribeOptions } from './options.js';
import type { BatchHandler, Subscription, SubscriptionEventMap, SubscriptionState } from './types.js';

/** What the subscription needs to know of an event (its metadata and time: for the `deliver` span and metrics). */
export interface DeliverableEvent extends TracedEvent {
  readonly position: bigint;
  readonly id: string;
}

/** A settled read after a checkpoint: at most `limit` events, and the checkpoint to continue from. */
export type SettledRead<Ev> = (after: SettledCheckpoint, limit: number) => Promise<{ events: readonly Ev[]; checkpoint: SettledCheckpoint }>;

/** A subscription as its stream drives it. */
export interface ManagedSubscription extends Subscription {
  /** Begins reading (after finding the end, for `after: 'end'`). Called once, by the stream. */
  start(): void;
  /** Asks for a read; `retryNow` also cuts short a read backoff in progress. */
  wake(retryNow?: boolean): void;
}

/** What a {@link SubscriptionRunner} is built from. */
export interface SubscriptionRunnerOptions<Ev extends DeliverableEvent> {
  readonly settings: ResolvedSubscribeOptions;
  readonly read: SettledRead<Ev>;
  readonly settledCheckpoint: () => Promise<SettledCheckpoint>;
  readonly handler: BatchHandler<Ev>;
  /** The stream's queue: bounds how many handlers of all its subscriptions run at once. */
  readonly queue: PQueue;
  readonly pollIntervalMs: number;
  /** Called once, when the subscription has stopped or failed. */
  readonly onEnd: (subscription: ManagedSubscription) => void;
}

/** Retry delays of failed reads (the database restarting, a connection lost). */
const readBackoff = { baseMs: 100, maxMs: 5_000 };
/** Errors of `@tally/eventstore` that no retry can fix. */
const permanentReadCodes = new Set(['STORE_CLOSED', 'INVALID_QUERY', 'EMPTY_QUERY_ITEM', 'INVALID_OPTION']);

/**
 * One subscription's loop, as explicit state rather than one long async function:
 *
 * - `#handled` is where the last fully handled batch ended (the public checkpoint); `#cursor` is where the
 *   next read starts. Events between them are in `#buffer` or in the batch being handled.
 * - A read starts when one is wanted (notification, poll, full page, reconnect) and the buffer has room;
 *   it reads at most `batchSize - buffer` events, so a slow handler holds at most two batches in memory.
 * - The buffer is delivered whole when it holds `batchSize` events or its first event has waited
 *   `maxWaitMs`. Only one batch is in flight; the checkpoint moves only after the handler resolved.
 *
 * Correctness rests on `readSettled` being gap-free after any checkpoint it returned: every checkpoint
 * this class hands out is either one of those, or the position of a delivered event.
 */
export class SubscriptionRunner<Ev extends DeliverableEvent> extends EventEmitter<SubscriptionEventMap> implements ManagedSubscription {
  readonly name: string;
  readonly #options: SubscriptionRunnerOptions<Ev>;
  readonly #settings: ResolvedSubscribeOptions;
  readonly #abort = new AbortController();
  #state: SubscriptionState = 'starting';
  #error: EventStreamError | undefined;
  #handled: SettledCheckpoint | undefined;
  #cursor: SettledCheckpoint | undefined;
  #buffer: Ev[] = [];
  #firstSeenAt = 0;
  #readWanted = true;
  #lastReadFull = false;
  #hasRead = false;
  #caughtUp = false;
  #readFailures = 0;
  #starting: Promise<void> | undefined;
  #reading: Promise<void> | undefined;
  #delivering: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #waitTimer: NodeJS.Timeout | undefined;
  #readRetryTimer: NodeJS.Timeout | undefined;

  constructor(options: SubscriptionRunnerOptions<Ev>) {
    super();
    this.#options = options;
    this.#settings = options.settings;
    this.name = options.settings.name;
    if (options.settings.after !== 'end') {
      this.#handled = options.settings.after;
      this.#cursor = options.settings.after;
    }
  }

  get state(): SubscriptionState {
    return this.#state;
  }

  get checkpoint(): Checkpoint | undefined {
    return this.#handled && formatCheckpoint(this.#handled);
  }

  get error(): EventStreamError | undefined {
    return this.#error;
  }

  /** Begins reading (after finding the end, for `after: 'end'`). Called once, by the stream. */
  start(): void {
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
  }

  /**
   * Asks for a read: a notification arrived, or the listener (re)connected (`retryNow`: skip a read
   * backoff in progress, the database is evidently back). Coalesced: at most one read runs and one waits.
   */
  wake(retryNow = false): void {
    this.#readWanted = true;
    if (retryNow && this.#readRetryTimer) {
      clearTimeout(this.#readRetryTimer);
      this.#readRetryTimer = undefined;
    }
    this.#pump();
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#state === 'starting' || this.#state === 'running') this.#state = 'stopping';
    this.#abort.abort();
    this.#clearTimers();
    await Promise.allSettled([this.#starting, this.#reading, this.#delivering]);
    this.#buffer = [];
    if (this.#state !== 'failed') {
      this.#state = 'stopped';
      this.#options.onEnd(this);
    }
  }

  async #start(): Promise<void> {
    if (this.#settings.after === 'end') {
      for (;;) {
        try {
          const end = await this.#options.settledCheckpoint();
          if (this.#abort.signal.aborted) return;
          this.#handled = end;
          this.#cursor = end;
          this.#readFailures = 0;
          break;
        } catch (error) {
          if (this.#abort.signal.aborted) return;
          const delay = this.#readFailed(error);
          if (delay === undefined) return;
          try {
            await sleep(delay, undefined, { signal: this.#abort.signal });
          } catch {
            return; // stopped
          }
        }
      }
    }
    if (this.#abort.signal.aborted) return;
    this.#state = 'running';
    this.#pump();
  }

  /** Starts whatever can start now: a read, a delivery, or a timer for the next delivery. */
  #pump(): void {
    if (this.#state !== 'running') return;
    const { batchSize, maxWaitMs } = this.#settings;

    if (!this.#reading && !this.#readRetryTimer && this.#readWanted && this.#buffer.length < batchSize) {
      this.#readWanted = false;
      this.#reading = this.#read().finally(() => {
        this.#reading = undefined;
        this.#pump();
      });
    }

    if (!this.#delivering && this.#buffer.length > 0) {
      const waited = performance.now() - this.#firstSeenAt;
      if (this.#buffer.length >= batchSize || waited >= maxWaitMs) {
        if (this.#waitTimer) clearTimeout(this.#waitTimer);
        this.#waitTimer = undefined;
        // The buffer never holds more than batchSize events: the batch is all of it, so everything up to
        // the cursor is in this batch or already handled, and the cursor is the batch's checkpoint.
        const batch = this.#buffer;
        this.#buffer = [];
        const after = this.#handled!;
        const checkpoint = this.#cursor!;
        this.#delivering = this.#deliver(batch, after, checkpoint).finally(() => {
          this.#delivering = undefined;
          this.#pump();
        });
      } else {
        this.#waitTimer ??= setTimeout(
          () => {
            this.#waitTimer = undefined;
            this.#pump();
          },
          Math.ceil(maxWaitMs - waited),
        );
      }
    }

    if (this.#hasRead && !this.#lastReadFull && !this.#delivering && this.#buffer.length === 0 && !this.#caughtUp) {
      this.#caughtUp = true;
      this.#emitSafely('caught-up', { subscription: this.name, checkpoint: formatCheckpoint(this.#handled!) });
    }
  }

  async #read(): Promise<void> {
    const after = this.#cursor!;
    const limit = this.#settings.batchSize - this.#buffer.length;
    let result: { events: readonly Ev[]; checkpoint: SettledCheckpoint };
    try {
      result = await this.#options.read(after, limit);
    } catch (error) {
      if (this.#state !== 'running') return;
      const delay = this.#readFailed(error);
      if (delay === undefined) return;
      this.#readRetryTimer = setTimeout(() => {
        this.#readRetryTimer = undefined;
        this.#readWanted = true;
        this.#pump();
      }, delay);
      return;
    }
    if (this.#state !== 'running') return; // stopping: whatever was read is read again by the next run
    this.#readFailures = 0;
    this.#hasRead = true;
    if (result.events.length > 0) {
      if (this.#buffer.length === 0) this.#firstSeenAt = performance.now();
      for (const event of result.events) this.#buffer.push(event);
      this.#caughtUp = false;
    }
    this.#cursor = result.checkpoint;
    this.#lastReadFull = result.events.length >= limit;
    if (this.#lastReadFull) this.#readWanted = true;
    // Nothing undelivered and nothing in flight: every matching event up to the cursor is handled, so the
    // checkpoint follows it (a filtered subscription never rescans events that did not match).
    if (this.#buffer.length === 0 && !this.#delivering) this.#handled = result.checkpoint;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      this.#readWanted = true;
      this.#pump();
    }, this.#options.pollIntervalMs);
  }

  /** Reports a failed read; returns the delay before the next try, or `undefined` when the subscription failed. */
  #readFailed(error: unknown): number | undefined {
    this.#readFailures += 1;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && permanentReadCodes.has(code)) {
      this.#fail(new SubscriptionReadError(this.name, this.#readFailures, undefined, { cause: error }));
      return undefined;
    }
    const delay = backoffDelay(this.#readFailures, readBackoff);
    this.#emitError(new SubscriptionReadError(this.name, this.#readFailures, delay, { cause: error }), this.#readFailures === 1);
    return delay;
  }

  async #deliver(batch: Ev[], after: SettledCheckpoint, checkpoint: SettledCheckpoint): Promise<void> {
    const { handler, queue } = this.#options;
    const { maxAttempts, retryDelayMs, maxRetryDelayMs } = this.#settings;
    const signal = this.#abort.signal;
    const context = { checkpoint: formatCheckpoint(checkpoint), after: formatCheckpoint(after), subscription: this.name, signal };
    for (let attempt = 1; ; attempt += 1) {
      let failure: Error;
      try {
        const handled = await runQueued(queue, signal, () =>
          withHandlerTimeout(this.name, this.#settings.handlerTimeoutMs, signal, (attemptSignal) =>
            traceDelivery({ subscription: this.name, batch, attempt, checkpoint: context.checkpoint }, () =>
              handler(batch, { ...context, attempt, signal: attemptSignal }),
            ),
          ),
        );
        if (!handled) return;
        this.#advance(checkpoint);
        this.#emitSafely('batch', { ...this.#describe(batch), after: context.after, checkpoint: formatCheckpoint(this.#handled!), attempts: attempt });
        return;
      } catch (error) {
        // Stopping: the batch counts as not handled, and is delivered again by whoever resumes.
        if (signal.aborted) return;
        failure = coerceError(error);
      }
      if (attempt >= maxAttempts) {
        this.#gaveUp(batch, after, checkpoint, attempt, failure);
        return;
      }
      const delayMs = backoffDelay(attempt, { baseMs: retryDelayMs, maxMs: maxRetryDelayMs });
      this.#emitSafely('retry', { ...this.#describe(batch), attempt, delayMs, error: failure });
      try {
        await sleep(delayMs, undefined, { signal });
      } catch {
        return; // stopped while waiting to retry
      }
    }
  }

  /** The batch up to `checkpoint` is handled (or skipped). */
  #advance(checkpoint: SettledCheckpoint): void {
    // With nothing buffered, empty reads during the handler may have moved the cursor further.
    this.#handled = this.#buffer.length === 0 ? this.#cursor! : checkpoint;
  }

  #gaveUp(batch: Ev[], after: SettledCheckpoint, checkpoint: SettledCheckpoint, attempts: number, cause: Error): void {
    const skip = this.#settings.onHandlerError === 'skip';
    const { firstPosition, lastPosition } = this.#describe(batch);
    const error = new SubscriptionHandlerError(
      this.name,
      {
        size: batch.length,
        firstPosition,
        lastPosition,
        firstEventId: batch[0]!.id,
        lastEventId: batch[batch.length - 1]!.id,
        after: formatCheckpoint(after),
        checkpoint: formatCheckpoint(checkpoint),
      },
      attempts,
      skip ? 'skipped' : 'stopped',
      { cause },
    );
    if (skip) {
      this.#advance(checkpoint);
      this.#emitError(error, true);
    } else {
      this.#fail(error);
    }
  }

  /** Stops for good in the `failed` state; the checkpoint stays where it is. */
  #fail(error: SubscriptionHandlerError | SubscriptionReadError): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    this.#state = 'failed';
    this.#error = error;
    this.#abort.abort();
    this.#clearTimers();
    this.#buffer = [];
    this.#emitError(error, true);
    this.#options.onEnd(this);
  }

  #describe(batch: readonly Ev[]): { subscription: string; size: number; firstPosition: bigint; lastPosition: bigint } {
    return { subscription: this.name, size: batch.length, firstPosition: batch[0]!.position, lastPosition: batch[batch.length - 1]!.position };
  }

  #clearTimers(): void {
    for (const timer of [this.#pollTimer, this.#waitTimer, this.#readRetryTimer]) if (timer) clearTimeout(timer);
    this.#pollTimer = this.#waitTimer = this.#readRetryTimer = undefined;
  }

  /** Emits `error` to listeners; without any, warns instead of crashing the process (Node throws an unheard `error`). */
  #emitError(error: SubscriptionHandlerError | SubscriptionReadError, warnIfUnheard: boolean): void {
    if (this.listenerCount('error') > 0) this.#emitSafely('error', error);
    else if (warnIfUnheard) process.emitWarning(error);
  }

  /** A throwing listener must not break the loop: its error becomes a process warning. */
  #emitSafely<K extends keyof SubscriptionEventMap>(event: K, ...args: SubscriptionEventMap[K]): void {
    try {
      (this.emit as (event: K, ...args: SubscriptionEventMap[K]) => boolean)(event, ...args);
    } catch (error) {
      process.emitWarning(coerceError(error).message, { code: 'TALLY_LISTENER_THREW', detail: `in a "${event}" listener of subscription "${this.name}"` });
    }
  }
}

