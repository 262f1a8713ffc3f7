/** How a retry delay grows: `baseMs · 2^(attempt-1)`, capped at `maxMs`, then jittered. */
export interface BackoffOptions {
  /** Delay before the first retry, before jitter. */
  readonly baseMs: number;
  /** Largest delay, before jitter. */
  readonly maxMs: number;
}

/**
 * Exponential backoff with "equal jitter": the delay is uniformly random in `[d/2, d]` where
 * `d = min(maxMs, baseMs · 2^(attempt-1))`. Never zero (for a positive base), and spread out so that
 * subscriptions failing together do not retry in lockstep.
 * @param attempt the retry about to happen, from 1
 * @param random a source of numbers in `[0, 1)`, for tests
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
