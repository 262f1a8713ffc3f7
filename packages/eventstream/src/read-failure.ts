import { backoffDelay } from './backoff.js';
import { SubscriptionReadError } from './errors.js';

/** Retry delays of failed reads (the database restarting, a connection lost). */
const readBackoff = { baseMs: 100, maxMs: 5_000 };
/** Errors of `@tally/eventstore` that no retry can fix. */
const permanentReadCodes = new Set(['STORE_CLOSED', 'INVALID_QUERY', 'EMPTY_QUERY_ITEM', 'INVALID_OPTION']);

/**
 * The error to report for a subscription's `failures`-th failed read in a row, and the delay before it reads
 * again; no delay when no retry can fix it (the subscription fails).
 */
export function readFailure(subscription: string, failures: number, cause: unknown): { error: SubscriptionReadError; delayMs: number | undefined } {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && permanentReadCodes.has(code)) {
    return { error: new SubscriptionReadError(subscription, failures, undefined, { cause }), delayMs: undefined };
  }
  const delayMs = backoffDelay(failures, readBackoff);
  return { error: new SubscriptionReadError(subscription, failures, delayMs, { cause }), delayMs };
}
