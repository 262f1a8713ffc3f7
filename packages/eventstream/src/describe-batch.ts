import type { DeliverableEvent } from './subscription-runner-options.js';

/** What the `batch` and `retry` events and the handler's error say of a batch: its subscription, size and positions. */
export function describeBatch(
  subscription: string,
  batch: readonly DeliverableEvent[],
): { subscription: string; size: number; firstPosition: bigint; lastPosition: bigint } {
  return { subscription, size: batch.length, firstPosition: batch[0]!.position, lastPosition: batch[batch.length - 1]!.position };
}
