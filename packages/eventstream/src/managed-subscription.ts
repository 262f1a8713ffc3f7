import type { Subscription } from './types.js';

/** A subscription as its stream drives it. */
export interface ManagedSubscription extends Subscription {
  /** Begins reading (after finding the end, for `after: 'end'`). Called once, by the stream. */
  start(): void;
  /** Asks for a read; `retryNow` also cuts short a read backoff in progress. */
  wake(retryNow?: boolean): void;
}
