import { EventEmitter } from 'node:events';
import type { SettledCheckpoint } from '@tally/eventstore';
import { formatCheckpoint, type Checkpoint } from './checkpoint.js';
import { deliverBatch } from './deliver-batch.js';
import { describeBatch } from './describe-batch.js';
import { emitError, emitSafely } from './emit-safely.js';
import type { EventStreamError, SubscriptionHandlerError, SubscriptionReadError } from './errors.js';
import { findEnd } from './find-end.js';
import { OneShotTimer } from './one-shot-timer.js';
import type { ManagedSubscription } from './managed-subscription.js';
import type { ResolvedSubscribeOptions } from './options.js';
import { readFailure } from './read-failure.js';
import type { DeliverableEvent, SubscriptionRunnerOptions } from './subscription-runner-options.js';
import type { SubscriptionEventMap, SubscriptionState } from './types.js';

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
  readonly #pollTimer = new OneShotTimer();
  readonly #waitTimer = new OneShotTimer();
  readonly #readRetryTimer = new OneShotTimer();

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
    if (retryNow) this.#readRetryTimer.clear();
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
      const end = await findEnd(() => this.#options.settledCheckpoint(), this.#abort.signal, (error) => this.#readFailed(error));
      if (end === undefined) return;
      this.#handled = end;
      this.#cursor = end;
      this.#readFailures = 0;
    }
    if (this.#abort.signal.aborted) return;
    this.#state = 'running';
    this.#pump();
  }

  /** Starts whatever can start now: a read, a delivery, or a timer for the next delivery. */
  #pump(): void {
    if (this.#state !== 'running') return;
    const { batchSize, maxWaitMs } = this.#settings;

    if (!this.#reading && !this.#readRetryTimer.pending && this.#readWanted && this.#buffer.length < batchSize) {
      this.#readWanted = false;
      this.#reading = this.#read().finally(() => {
        this.#reading = undefined;
        this.#pump();
      });
    }

    if (!this.#delivering && this.#buffer.length > 0) {
      const waited = performance.now() - this.#firstSeenAt;
      if (this.#buffer.length >= batchSize || waited >= maxWaitMs) {
        this.#waitTimer.clear();
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
      } else if (!this.#waitTimer.pending) {
        this.#waitTimer.set(Math.ceil(maxWaitMs - waited), () => this.#pump());
      }
    }

    if (this.#hasRead && !this.#lastReadFull && !this.#delivering && this.#buffer.length === 0 && !this.#caughtUp) {
      this.#caughtUp = true;
      emitSafely(this, 'caught-up', { subscription: this.name, checkpoint: formatCheckpoint(this.#handled!) });
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
      this.#readRetryTimer.set(delay, () => {
        this.#readWanted = true;
        this.#pump();
      });
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
    this.#pollTimer.set(this.#options.pollIntervalMs, () => {
      this.#readWanted = true;
      this.#pump();
    });
  }

  /** Reports a failed read; returns the delay before the next try, or `undefined` when the subscription failed. */
  #readFailed(error: unknown): number | undefined {
    this.#readFailures += 1;
    const failure = readFailure(this.name, this.#readFailures, error);
    if (failure.delayMs === undefined) this.#fail(failure.error);
    else emitError(this, failure.error, this.#readFailures === 1);
    return failure.delayMs;
  }

  #deliver(batch: Ev[], after: SettledCheckpoint, checkpoint: SettledCheckpoint): Promise<void> {
    const { settings, handler, queue } = this.#options;
    return deliverBatch({ subscription: this.name, settings, handler, queue, signal: this.#abort.signal, batch, after, checkpoint }, {
      handled: (attempts) => {
        this.#advance(checkpoint);
        emitSafely(this, 'batch', { ...describeBatch(this.name, batch), after: formatCheckpoint(after), checkpoint: formatCheckpoint(this.#handled!), attempts });
      },
      retrying: (info) => emitSafely(this, 'retry', info),
      gaveUp: (error) => {
        if (error.outcome === 'stopped') return this.#fail(error);
        this.#advance(checkpoint);
        emitError(this, error, true);
      },
    });
  }

  /** The batch up to `checkpoint` is handled (or skipped). */
  #advance(checkpoint: SettledCheckpoint): void {
    // With nothing buffered, empty reads during the handler may have moved the cursor further.
    this.#handled = this.#buffer.length === 0 ? this.#cursor! : checkpoint;
  }

  /** Stops for good in the `failed` state; the checkpoint stays where it is. */
  #fail(error: SubscriptionHandlerError | SubscriptionReadError): void {
    if (this.#state === 'failed' || this.#state === 'stopped') return;
    this.#state = 'failed';
    this.#error = error;
    this.#abort.abort();
    this.#clearTimers();
    this.#buffer = [];
    emitError(this, error, true);
    this.#options.onEnd(this);
  }

  #clearTimers(): void {
    for (const timer of [this.#pollTimer, this.#waitTimer, this.#readRetryTimer]) timer.clear();
  }
}

