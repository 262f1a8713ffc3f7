import pgListen from 'pg-listen';
import { backoffDelay } from './backoff.js';
import { ListenerError } from './errors.js';

// pg-listen is CommonJS whose `module.exports` is the factory with itself as `.default`.
const createSubscriber = pgListen.default;
type Subscriber = ReturnType<typeof createSubscriber>;

/** Where the listener's LISTEN goes. */
export interface ListenerOptions {
  readonly connectionString: string;
  readonly channel: string;
  readonly applicationName: string;
}

/** What the listener reports. */
export interface ListenerCallbacks {
  /** One or more notifications arrived (a burst is reported once). */
  onNotification(): void;
  /** LISTEN is in place; `reconnected` is false the first time. */
  onListening(reconnected: boolean): void;
  /** The connection failed or was lost; the listener keeps trying. */
  onError(error: ListenerError): void;
}

/** Reconnect delays of the LISTEN connection: short, since a lost notification costs a poll interval. */
const reconnectBackoff = { baseMs: 100, maxMs: 1000 };
/** How often pg-listen checks that an idle LISTEN connection is still alive. */
const healthCheckMs = 10_000;
/**
 * Notifications arriving within this window of the first one are reported once: a burst committed together
 * reaches the socket in several chunks, a few hundred microseconds apart.
 */
const coalesceMs = 3;
/** How long `close()` waits for a reconnect attempt in flight to settle. */
const closeTimeoutMs = 5_000;

/**
 * The one LISTEN connection of an event stream or a projector (`@tally/projections` wakes its runners with
 * it), on pg-listen. It reconnects without ever giving up (pg-listen's default gives up after 3 s), with the
 * shared {@link backoffDelay}, keeps trying when the first connection fails, reports a burst of notifications
 * once, and on `close()` also ends a reconnect loop in flight, which pg-listen alone would leave running
 * forever. Notifications are hints only: whoever uses it must also poll, and read again on `onListening`
 * with `reconnected: true` (notifications sent while it was down are gone).
 * @example
 * const listener = new Listener(
 *   { connectionString, channel: store.channel, applicationName: 'my-worker-listen' },
 *   { onNotification: () => wake(), onListening: (reconnected) => reconnected && wake(), onError: (error) => log(error) },
 * );
 * listener.start();
 * await listener.close();
 */
export class Listener {
  readonly #options: ListenerOptions;
  readonly #callbacks: ListenerCallbacks;
  #subscriber: Subscriber | undefined;
  #listening = false;
  #everListened = false;
  #everConnected = false;
  #reconnecting = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #settled: (() => void) | undefined;
  #pendingNotification: NodeJS.Timeout | undefined;

  constructor(options: ListenerOptions, callbacks: ListenerCallbacks) {
    this.#options = options;
    this.#callbacks = callbacks;
  }

  /** True while LISTEN is in place. */
  get listening(): boolean {
    return this.#listening;
  }

  /** Opens the connection in the background; failures are reported through `onError` and retried. Idempotent. */
  start(): void {
    if (this.#subscriber || this.#closed) return;
    const subscriber = createSubscriber(
      {
        connectionString: this.#options.connectionString,
        application_name: this.#options.applicationName,
        connectionTimeoutMillis: 10_000,
      },
      {
        retryTimeout: Number.POSITIVE_INFINITY,
        retryLimit: Number.POSITIVE_INFINITY,
        // Throwing here is the only way to end pg-listen's reconnect loop; it reports that as an `error` event.
        retryInterval: (attempt) => {
          if (this.#closed) throw new Error('listener closed');
          return backoffDelay(attempt + 1, reconnectBackoff);
        },
        paranoidChecking: healthCheckMs,
        parse: (payload) => payload,
      },
    );
    this.#subscriber = subscriber;
    subscriber.events.on('connected', () => void this.#onConnected(subscriber));
    subscriber.events.on('reconnect', (attempt) => this.#onReconnect(attempt));
    subscriber.events.on('error', (error) => this.#onSubscriberError(error));
    subscriber.events.on('notification', () => this.#onNotification());
    subscriber.connect().catch((error: unknown) => {
      if (this.#closed) return;
      // pg-listen retries on its own from here (the failed client's `end` starts its reconnect loop).
      this.#callbacks.onError(new ListenerError('Cannot open the LISTEN connection; polling until it can', { cause: error }));
    });
  }

  /** Closes the connection, including a reconnect attempt in flight. Safe to call twice. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#listening = false;
    if (this.#pendingNotification) clearTimeout(this.#pendingNotification);
    const subscriber = this.#subscriber;
    if (!subscriber) return;
    const settled = this.#reconnecting ? new Promise<void>((resolve) => (this.#settled = resolve)) : undefined;
    await withTimeout(subscriber.close().then(noop, noop), closeTimeoutMs);
    // A reconnect loop in flight ends at its next failed attempt (retryInterval throws) or, if that attempt
    // succeeds, in #onConnected, which closes the new client.
    if (settled) await withTimeout(settled, closeTimeoutMs);
  }

  async #onConnected(subscriber: Subscriber): Promise<void> {
    this.#reconnecting = false;
    if (this.#closed) {
      await withTimeout(subscriber.close().then(noop, noop), closeTimeoutMs);
      this.#settle();
      return;
    }
    this.#everConnected = true;
    try {
      // After a reconnect pg-listen has already re-run LISTEN; after the first connection we run it.
      if (!subscriber.getSubscribedChannels().includes(this.#options.channel)) await subscriber.listenTo(this.#options.channel);
    } catch (error) {
      // The connection died again; its `end` starts another reconnect, which re-runs LISTEN.
      if (!this.#closed) this.#callbacks.onError(new ListenerError('LISTEN failed', { cause: error }));
      return;
    }
    if (this.#closed) return;
    this.#listening = true;
    const reconnected = this.#everListened;
    this.#everListened = true;
    this.#callbacks.onListening(reconnected);
  }

  #onReconnect(attempt: number): void {
    this.#reconnecting = true;
    this.#listening = false;
    if (attempt === 1 && this.#everConnected && !this.#closed) {
      this.#callbacks.onError(
        new ListenerError('The LISTEN connection was lost; reconnecting (polling meanwhile)', {
          cause: new Error('connection ended'),
        }),
      );
    }
  }

  #onSubscriberError(error: Error): void {
    this.#reconnecting = false;
    if (this.#closed) {
      this.#settle();
      return;
    }
    this.#callbacks.onError(new ListenerError('The LISTEN connection failed', { cause: error }));
  }

  #onNotification(): void {
    if (this.#closed || this.#pendingNotification) return;
    this.#pendingNotification = setTimeout(() => {
      this.#pendingNotification = undefined;
      if (!this.#closed) this.#callbacks.onNotification();
    }, coalesceMs);
  }

  #settle(): void {
    const settle = this.#settled;
    this.#settled = undefined;
    settle?.();
  }
}

function noop(): void {}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
