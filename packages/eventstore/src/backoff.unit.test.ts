import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const options = { baseMs: 100, maxMs: 1_000 };

  it('doubles per attempt up to the cap, jittered within [d/2, d]', () => {
    const low = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options, () => 0));
    const high = [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, options, () => 0.999_999));
    expect(low).toEqual([50, 100, 200, 400, 500, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('spreads delays out (jitter) and never exceeds the cap, even for huge attempt numbers', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, options));
    expect(new Set(delays).size).toBeGreaterThan(20);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(backoffDelay(10_000, options)).toBeLessThanOrEqual(1_000);
    expect(backoffDelay(0, options, () => 0)).toBe(50);
  });
});
