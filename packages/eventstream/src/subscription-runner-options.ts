import type { SettledCheckpoint } from '@tally/eventstore';
import type PQueue from 'p-queue';
import type { ManagedSubscription } from './managed-subscription.js';
import type { ResolvedSubscribeOptions } from './options.js';
import type { TracedEvent } from './telemetry/trace-deliver.js';
import type { BatchHandler } from './types.js';

/** What the subscription needs to know of an event (its metadata and time: for the `deliver` span and metrics). */
export interface DeliverableEvent extends TracedEvent {
  readonly position: bigint;
  readonly id: string;
}

/** A settled read after a checkpoint: at most `limit` events, and the checkpoint to continue from. */
export type SettledRead<Ev> = (after: SettledCheckpoint, limit: number) => Promise<{ events: readonly Ev[]; checkpoint: SettledCheckpoint }>;

/** What a {@link SubscriptionRunner} is built from. */
export interface SubscriptionRunnerOptions<Ev extends DeliverableEvent> {
  readonly settings: ResolvedSubscribeOptions;
  readonly read: SettledRead<Ev>;
  readonly settledCheckpoint: () => Promise<SettledCheckpoint>;
  readonly handler: BatchHandler<Ev>;
  /** The stream's queue: bounds how many handlers of all its subscriptions run at once. */
  readonly queue: PQueue;
  readonly pollIntervalMs: number;
  /** Called once, when the subscription has stopped or failed. */
  readonly onEnd: (subscription: ManagedSubscription) => void;
}
