/** The one backoff of Tally lives in `@tally/eventstore` (the stream, projections and decisions share it). */
export { backoffDelay } from '@tally/eventstore';
export type { BackoffOptions } from '@tally/eventstore';
