import { coerceError, type SubscriptionHandlerError, type SubscriptionReadError } from './errors.js';
import type { Subscription, SubscriptionEventMap } from './types.js';

/** A throwing listener must not break the loop: its error becomes a process warning. */
export function emitSafely<K extends keyof SubscriptionEventMap>(subscription: Subscription, event: K, ...args: SubscriptionEventMap[K]): void {
  try {
    (subscription.emit as (event: K, ...args: SubscriptionEventMap[K]) => boolean)(event, ...args);
  } catch (error) {
    process.emitWarning(coerceError(error).message, { code: 'TALLY_LISTENER_THREW', detail: `in a "${event}" listener of subscription "${subscription.name}"` });
  }
}

/** Emits `error` to listeners; without any, warns instead of crashing the process (Node throws an unheard `error`). */
export function emitError(subscription: Subscription, error: SubscriptionHandlerError | SubscriptionReadError, warnIfUnheard: boolean): void {
  if (subscription.listenerCount('error') > 0) emitSafely(subscription, 'error', error);
  else if (warnIfUnheard) process.emitWarning(error);
}
