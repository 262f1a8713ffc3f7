export { createEventStream } from './create-event-stream.js';
export {
  compareCheckpoints,
  decodeCheckpoint,
  formatCheckpoint,
  isCheckpoint,
  parseCheckpoint,
  START_CHECKPOINT,
} from './checkpoint.js';
export type { Checkpoint, StartFrom } from './checkpoint.js';
export {
  EventStreamError,
  HandlerTimeoutError,
  InvalidCheckpointError,
  InvalidOptionError,
  ListenerError,
  StreamClosedError,
  SubscriptionHandlerError,
  SubscriptionReadError,
} from './errors.js';
export type { EventStreamErrorCode, FailedBatch } from './errors.js';
export { Listener } from './listener.js';
export type { ListenerCallbacks, ListenerOptions } from './listener.js';
export { backoffDelay } from './backoff.js';
export type { BackoffOptions } from './backoff.js';
export type {
  BatchContext,
  BatchHandler,
  BatchHandlerFor,
  BatchInfo,
  EventStream,
  EventStreamEventMap,
  EventStreamOptions,
  HandlerErrorPolicy,
  RetryInfo,
  StallInfo,
  SubscribeOptions,
  Subscription,
  SubscriptionEventMap,
  SubscriptionState,
} from './types.js';
