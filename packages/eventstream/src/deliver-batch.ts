import { setTimeout as sleep } from 'node:timers/promises';
import type { SettledCheckpoint } from '@tally/eventstore';
import type PQueue from 'p-queue';
import { backoffDelay } from './backoff.js';
import { formatCheckpoint } from './checkpoint.js';
import { describeBatch } from './describe-batch.js';
import { coerceError, SubscriptionHandlerError } from './errors.js';
import { withHandlerTimeout } from './handler-timeout.js';
import type { ResolvedSubscribeOptions } from './options.js';
import { runQueued } from './run-queued.js';
import type { DeliverableEvent } from './subscription-runner-options.js';
import { traceDelivery } from './telemetry/trace-deliver.js';
import type { BatchHandler, RetryInfo } from './types.js';

/** One batch to deliver, and to whom. */
export interface BatchDelivery<Ev extends DeliverableEvent> {
  readonly subscription: string;
  readonly settings: ResolvedSubscribeOptions;
  readonly handler: BatchHandler<Ev>;
  /** The stream's queue: bounds how many handlers of all its subscriptions run at once. */
  readonly queue: PQueue;
  /** Aborted when the subscription stops. */
  readonly signal: AbortSignal;
  readonly batch: Ev[];
  readonly after: SettledCheckpoint;
  readonly checkpoint: SettledCheckpoint;
}

/** How a delivery reports back to its subscription (stopping is not reported). */
export interface DeliveryReports {
  /** The handler resolved, on call `attempts`. */
  readonly handled: (attempts: number) => void;
  /** A call failed; the batch is delivered again after `info.delayMs`. */
  readonly retrying: (info: RetryInfo) => void;
  /** The last of `maxAttempts` calls failed; `error.outcome` says whether the batch is skipped or the subscription stops. */
  readonly gaveUp: (error: SubscriptionHandlerError) => void;
}

/**
 * Delivers one batch: calls the handler (through the queue, within `handlerTimeoutMs`, in a `deliver` span) until
 * it resolves or has failed `maxAttempts` times, with backoff between calls. Stopping ends it without a report.
 */
export async function deliverBatch<Ev extends DeliverableEvent>(delivery: BatchDelivery<Ev>, reports: DeliveryReports): Promise<void> {
  const { subscription, settings, handler, queue, signal, batch, after, checkpoint } = delivery;
  const { maxAttempts, retryDelayMs, maxRetryDelayMs } = settings;
  const context = { checkpoint: formatCheckpoint(checkpoint), after: formatCheckpoint(after), subscription, signal };
  for (let attempt = 1; ; attempt += 1) {
    let failure: Error;
    try {
      const handled = await runQueued(queue, signal, () =>
        withHandlerTimeout(subscription, settings.handlerTimeoutMs, signal, (attemptSignal) =>
          traceDelivery({ subscription, batch, attempt, checkpoint: context.checkpoint }, () =>
            handler(batch, { ...context, attempt, signal: attemptSignal }),
          ),
        ),
      );
      if (!handled) return;
      reports.handled(attempt);
      return;
    } catch (error) {
      // Stopping: the batch counts as not handled, and is delivered again by whoever resumes.
      if (signal.aborted) return;
      failure = coerceError(error);
    }
    if (attempt >= maxAttempts) {
      reports.gaveUp(gaveUpError(delivery, attempt, failure));
      return;
    }
    const delayMs = backoffDelay(attempt, { baseMs: retryDelayMs, maxMs: maxRetryDelayMs });
    reports.retrying({ ...describeBatch(subscription, batch), attempt, delayMs, error: failure });
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return; // stopped while waiting to retry
    }
  }
}

function gaveUpError<Ev extends DeliverableEvent>(delivery: BatchDelivery<Ev>, attempts: number, cause: Error): SubscriptionHandlerError {
  const { subscription, batch, after, checkpoint } = delivery;
  const { firstPosition, lastPosition } = describeBatch(subscription, batch);
  return new SubscriptionHandlerError(
    subscription,
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
    delivery.settings.onHandlerError === 'skip' ? 'skipped' : 'stopped',
    { cause },
  );
}
