import { EventEmitter } from 'node:events';
import type { EventShape, Query, QueryResult } from '@tally/eventstore';
import PQueue from 'p-queue';
import { coerceError, InvalidOptionError, StreamClosedError, type ListenerError } from './errors.js';
import { Listener } from './listener.js';
import { resolveStreamOptions, resolveSubscribeOptions, type ResolvedStreamOptions } from './options.js';
import { StallMonitor } from './stall-monitor.js';
import type { ManagedSubscription } from './managed-subscription.js';
import { SubscriptionRunner } from './subscription.js';
import type {
  BatchHandler,
  EventStream,
  EventStreamEventMap,
  EventStreamOptions,
  SubscribeOptions,
  Subscription,
} from './types.js';

/**
 * Creates a stream of subscriptions over an event store: one LISTEN connection (opened with the first
 * subscription) wakes them up, a poll catches whatever a lost notification missed, and every subscription
 * reads through the store's gap-free settled read.
 * @example
 * const stream = createEventStream({ store, connectionString: process.env.DATABASE_URL! });
 * const sub = stream.subscribe(
 *   { query: [{ types: ['MoneyDeposited'] }], after: loadCheckpoint() ?? 'start', batchSize: 100, maxWaitMs: 20 },
 *   async (batch, { checkpoint }) => {
 *     for (const event of batch) total += event.data.amount; // event: StoredEvent<MoneyDeposited>
 *     await saveCheckpoint(checkpoint);
 *   },
 * );
 * sub.on('error', (error) => log(error));
 * await stream.close();
 * @throws {InvalidOptionError} when an option is invalid
 */
export function createEventStream<E extends EventShape>(options: EventStreamOptions<E>): EventStream<E> {
  return new StreamRuntime(resolveStreamOptions(options));
}

class StreamRuntime<E extends EventShape> extends EventEmitter<EventStreamEventMap> implements EventStream<E> {
  readonly #options: ResolvedStreamOptions<E>;
  readonly #queue: PQueue;
  readonly #active = new Set<ManagedSubscription>();
  #listener: Listener | undefined;
  readonly #stalls: StallMonitor;
  #closing: Promise<void> | undefined;
  #count = 0;

  constructor(options: ResolvedStreamOptions<E>) {
    super();
    this.#options = options;
    this.#queue = new PQueue({ concurrency: options.concurrency });
    this.#stalls = new StallMonitor(() => options.store.horizon(), options.stallThresholdMs, {
      onStall: (info) => {
        if (this.listenerCount('stalled') > 0) this.#emitSafely('stalled', info);
        else {
          const who = info.blockers.map((b) => `pid ${b.pid ?? '?'} (${b.reason}, ${b.applicationName ?? '?'}@${b.database ?? '?'}, ${b.state ?? '?'})`);
          process.emitWarning(
            `${info.unsettledEvents} committed event(s) have waited ${Math.round(info.stalledForMs)} ms behind the horizon ${info.horizon}; held by ${who.join(', ') || 'nobody identified'}`,
            { code: 'TALLY_STALLED' },
          );
        }
      },
      onStallEnded: (info) => this.#emitSafely('stall-ended', info),
    });
  }

  get subscriptions(): readonly Subscription[] {
    return [...this.#active];
  }

  get listening(): boolean {
    return this.#listener?.listening ?? false;
  }

  subscribe<const Q extends Query<E> = Query<E>>(options: SubscribeOptions<E, Q>, handler: BatchHandler<QueryResult<E, Q>>): Subscription {
    if (this.#closing) throw new StreamClosedError();
    if (typeof handler !== 'function') throw new InvalidOptionError('handler', typeof handler, 'a function');
    const settings = resolveSubscribeOptions(options, `subscription-${this.#count + 1}`);
    this.#count += 1;
    const { store, pollIntervalMs } = this.#options;
    const query = options.query;
    const runner = new SubscriptionRunner<QueryResult<E, Q>>({
      settings,
      read: (after, limit) => store.readSettled<Q>(query, { after, limit }),
      settledCheckpoint: () => store.settledCheckpoint(),
      handler,
      queue: this.#queue,
      pollIntervalMs,
      onEnd: (ended) => this.#active.delete(ended),
    });
    this.#active.add(runner);
    this.#startListener();
    this.#stalls.start();
    runner.start();
    return runner;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await Promise.allSettled([...this.#active].map((subscription) => subscription.stop()));
    await this.#stalls.stop();
    await this.#listener?.close();
    await this.#queue.onIdle();
  }

  #startListener(): void {
    if (this.#listener) return;
    const { connectionString, channel, applicationName } = this.#options;
    this.#listener = new Listener(
      { connectionString, channel, applicationName },
      {
        onNotification: () => {
          for (const subscription of this.#active) subscription.wake();
        },
        onListening: (reconnected) => {
          // Notifications sent while LISTEN was down are gone: every subscription reads again now.
          for (const subscription of this.#active) subscription.wake(true);
          this.#emitSafely('listening', { reconnected });
        },
        onError: (error) => this.#emitError(error),
      },
    );
    this.#listener.start();
  }

  /** Emits `error` to listeners; without any, warns (a LISTEN problem is a warning: polling goes on). */
  #emitError(error: ListenerError): void {
    if (this.listenerCount('error') > 0) this.#emitSafely('error', error);
    else process.emitWarning(error);
  }

  #emitSafely<K extends keyof EventStreamEventMap>(event: K, ...args: EventStreamEventMap[K]): void {
    try {
      (this.emit as (event: K, ...args: EventStreamEventMap[K]) => boolean)(event, ...args);
    } catch (error) {
      process.emitWarning(coerceError(error).message, { code: 'TALLY_LISTENER_THREW', detail: `in a "${event}" listener of the event stream` });
    }
  }
}
