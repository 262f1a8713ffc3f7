import type { EventShape, EventStore, Query, SettledCheckpoint } from '@tally/eventstore';
import { decodeCheckpoint } from './checkpoint.js';
import { InvalidCheckpointError, InvalidOptionError } from './errors.js';
import type { EventStreamOptions, HandlerErrorPolicy, SubscribeOptions } from './types.js';

/** Stream options with defaults applied. */
export interface ResolvedStreamOptions<E extends EventShape> {
  readonly store: EventStore<E>;
  readonly connectionString: string;
  readonly channel: string;
  readonly pollIntervalMs: number;
  readonly concurrency: number;
  readonly applicationName: string;
  readonly stallThresholdMs: number;
}

/** Subscribe options with defaults applied; `after` decoded. */
export interface ResolvedSubscribeOptions {
  readonly query: readonly unknown[] | undefined;
  readonly after: SettledCheckpoint | 'end';
  readonly batchSize: number;
  readonly maxWaitMs: number;
  readonly name: string;
  readonly maxAttempts: number;
  readonly handlerTimeoutMs: number;
  readonly retryDelayMs: number;
  readonly maxRetryDelayMs: number;
  readonly onHandlerError: HandlerErrorPolicy;
}

const MAX_TIMER_MS = 2 ** 31 - 1; // setTimeout's limit

/**
 * Validates `createEventStream` options and applies defaults.
 * @throws {InvalidOptionError}
 */
export function resolveStreamOptions<E extends EventShape>(options: EventStreamOptions<E>): ResolvedStreamOptions<E> {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
  const store = options.store;
  if (typeof store !== 'object' || store === null || typeof store.readSettled !== 'function' || typeof store.settledCheckpoint !== 'function' || typeof store.horizon !== 'function') {
    throw new InvalidOptionError('store', typeof store, 'an event store (with readSettled, settledCheckpoint and horizon)');
  }
  if (typeof options.connectionString !== 'string' || options.connectionString === '') {
    throw new InvalidOptionError('connectionString', options.connectionString === undefined ? undefined : '(redacted)', 'a non-empty string');
  }
  const channel = options.channel ?? store.channel;
  if (typeof channel !== 'string' || channel === '' || Buffer.byteLength(channel) > 63) {
    throw new InvalidOptionError('channel', channel, 'a non-empty string of at most 63 bytes (UTF-8)');
  }
  const applicationName = options.applicationName ?? 'tally-eventstream';
  if (typeof applicationName !== 'string' || applicationName.length > 63) {
    throw new InvalidOptionError('applicationName', applicationName, 'a string of at most 63 characters');
  }
  return {
    store,
    connectionString: options.connectionString,
    channel,
    pollIntervalMs: integer('pollIntervalMs', options.pollIntervalMs, 1000, 1, MAX_TIMER_MS),
    concurrency: integer('concurrency', options.concurrency, 10, 1, 10_000),
    applicationName,
    stallThresholdMs: integer('stallThresholdMs', options.stallThresholdMs, 10_000, 0, MAX_TIMER_MS),
  };
}

/**
 * Validates `subscribe` options and applies defaults.
 * @throws {InvalidOptionError} {@link InvalidCheckpointError}
 */
export function resolveSubscribeOptions<E extends EventShape, Q extends Query<E>>(
  options: SubscribeOptions<E, Q>,
  defaultName: string,
): ResolvedSubscribeOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', options, 'an object');
  const { query, after } = options;
  if (query !== undefined && !Array.isArray(query)) throw new InvalidOptionError('query', query, 'an array of query items, or undefined');
  let start: SettledCheckpoint | 'end';
  if (after === 'start') start = { transactionId: 0n, position: 0n };
  else if (after === 'end') start = 'end';
  else if (typeof after === 'string') start = decodeCheckpoint(after);
  else throw new InvalidCheckpointError(after, "after must be a checkpoint string, 'start' or 'end'");
  const name = options.name ?? defaultName;
  if (typeof name !== 'string' || name === '') throw new InvalidOptionError('name', name, 'a non-empty string');
  const onHandlerError = options.onHandlerError ?? 'stop';
  if (onHandlerError !== 'stop' && onHandlerError !== 'skip') {
    throw new InvalidOptionError('onHandlerError', onHandlerError, "'stop' or 'skip'");
  }
  const retryDelayMs = integer('retryDelayMs', options.retryDelayMs, 100, 0, MAX_TIMER_MS);
  return {
    query,
    after: start,
    batchSize: integer('batchSize', options.batchSize, 100, 1, 100_000),
    maxWaitMs: integer('maxWaitMs', options.maxWaitMs, 20, 0, MAX_TIMER_MS),
    name,
    maxAttempts: integer('maxAttempts', options.maxAttempts, 5, 1, 1_000_000),
    handlerTimeoutMs: integer('handlerTimeoutMs', options.handlerTimeoutMs, 30_000, 1, MAX_TIMER_MS),
    retryDelayMs,
    maxRetryDelayMs: integer('maxRetryDelayMs', options.maxRetryDelayMs, Math.max(10_000, retryDelayMs), retryDelayMs, MAX_TIMER_MS),
    onHandlerError,
  };
}

function integer(option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(option, value, `an integer from ${min} to ${max}`);
  }
  return value;
}
