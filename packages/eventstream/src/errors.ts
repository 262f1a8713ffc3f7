import type { Checkpoint } from './checkpoint.js';

/**
 * Every `code` an {@link EventStreamError} can carry. A literal union, so that comparing `error.code` with a
 * misspelt code does not compile.
 */
export type EventStreamErrorCode =
  | 'INVALID_CHECKPOINT'
  | 'INVALID_OPTION'
  | 'STREAM_CLOSED'
  | 'HANDLER_FAILED'
  | 'HANDLER_TIMEOUT'
  | 'READ_FAILED'
  | 'LISTENER_UNAVAILABLE';

/** Base class of every error `@tally/eventstream` throws or emits; `code` is stable and meant for programs. */
export class EventStreamError extends Error {
  readonly code: EventStreamErrorCode;
  constructor(code: EventStreamErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A checkpoint string is malformed (expected `"<transactionId>/<position>"`, two unsigned decimal integers). */
export class InvalidCheckpointError extends EventStreamError {
  declare readonly code: 'INVALID_CHECKPOINT';
  constructor(
    /** The rejected value, as given. */
    readonly value: unknown,
    reason: string,
  ) {
    super('INVALID_CHECKPOINT', `Invalid checkpoint ${describe(value)}: ${reason}`);
  }
}

/** An option of `createEventStream` or `subscribe` is invalid. Nothing was started. */
export class InvalidOptionError extends EventStreamError {
  declare readonly code: 'INVALID_OPTION';
  constructor(
    /** Name of the option, e.g. `batchSize`. */
    readonly option: string,
    /** The rejected value, as given. */
    readonly value: unknown,
    expected: string,
  ) {
    super('INVALID_OPTION', `Option ${option} must be ${expected}, got ${describe(value)}`);
  }
}

/** The stream was closed: it accepts no new subscriptions. Create a new stream. */
export class StreamClosedError extends EventStreamError {
  declare readonly code: 'STREAM_CLOSED';
  constructor() {
    super('STREAM_CLOSED', 'The event stream is closed');
  }
}

/** The batch a handler failed on: where it starts and ends, and which events it holds. */
export interface FailedBatch {
  /** Number of events in the batch. */
  readonly size: number;
  /** Position of the first event of the batch (in delivery order). */
  readonly firstPosition: bigint;
  /** Position of the last event of the batch (in delivery order). */
  readonly lastPosition: bigint;
  /** Id of the first event of the batch. */
  readonly firstEventId: string;
  /** Id of the last event of the batch. */
  readonly lastEventId: string;
  /** The checkpoint the batch follows: resuming from it delivers this batch again. */
  readonly after: Checkpoint;
  /** The checkpoint the batch would have advanced the subscription to. */
  readonly checkpoint: Checkpoint;
}

/**
 * A subscription's handler failed on a batch `attempts` times in a row. With `onHandlerError: 'stop'` (the
 * default) the subscription stopped in the `failed` state and its checkpoint stayed at `batch.after`: nothing
 * was skipped. The handler's last error is `cause`.
 */
export class SubscriptionHandlerError extends EventStreamError {
  declare readonly code: 'HANDLER_FAILED';
  constructor(
    /** Name of the subscription. */
    readonly subscription: string,
    readonly batch: FailedBatch,
    /** How many times the handler was called with this batch. */
    readonly attempts: number,
    /** What happened to the batch: `stopped` (the subscription stopped before it) or `skipped` (it moved past it). */
    readonly outcome: 'stopped' | 'skipped',
    options: { cause: unknown },
  ) {
    super(
      'HANDLER_FAILED',
      `Subscription "${subscription}": the handler failed ${attempts} time(s) on a batch of ${batch.size} event(s) ` +
        `at positions ${batch.firstPosition}..${batch.lastPosition} (after ${batch.after}, up to ${batch.checkpoint}); ` +
        `${outcome === 'stopped' ? 'the subscription stopped before it' : 'the batch was skipped'}: ${messageOf(options.cause)}`,
      options,
    );
  }
}

/** A handler did not finish a batch within `handlerTimeoutMs`: the attempt is abandoned and counts as failed. */
export class HandlerTimeoutError extends EventStreamError {
  declare readonly code: 'HANDLER_TIMEOUT';
  constructor(
    /** Name of the subscription. */
    readonly subscription: string,
    readonly timeoutMs: number,
  ) {
    super(
      'HANDLER_TIMEOUT',
      `Subscription "${subscription}": the handler did not finish its batch within ${timeoutMs} ms; the attempt was abandoned ` +
        '(its signal is aborted; side effects it still makes are its own) and counts as failed',
    );
  }
}

/** A subscription's read from the store failed; it retries with backoff (transient: a database restart, a lost connection). */
export class SubscriptionReadError extends EventStreamError {
  declare readonly code: 'READ_FAILED';
  constructor(
    /** Name of the subscription. */
    readonly subscription: string,
    /** Consecutive failed reads so far. */
    readonly failures: number,
    /** Milliseconds until the next try; `undefined` when the failure is permanent and the subscription stopped. */
    readonly retryInMs: number | undefined,
    options: { cause: unknown },
  ) {
    super(
      'READ_FAILED',
      `Subscription "${subscription}": reading events failed (${failures} in a row)` +
        `${retryInMs === undefined ? '; not retrying, the subscription stopped' : `; retrying in ${retryInMs} ms`}: ${messageOf(options.cause)}`,
      options,
    );
  }
}

/**
 * The LISTEN connection is down or could not be opened. A warning: subscriptions keep polling, and the
 * listener keeps reconnecting (it never gives up) until the stream is closed.
 */
export class ListenerError extends EventStreamError {
  declare readonly code: 'LISTENER_UNAVAILABLE';
  constructor(message: string, options: { cause: unknown }) {
    super('LISTENER_UNAVAILABLE', `${message}: ${messageOf(options.cause)}`, options);
  }
}

/** Turns anything thrown into an `Error`; a non-`Error` value becomes the `cause` of a new one. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(`Non-error thrown: ${describe(thrown)}`, { cause: thrown });
}

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : describe(cause);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
