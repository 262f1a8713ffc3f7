import { median, percentile } from './measure.js';

/** A statistic and the range it lies in with the stated confidence. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/** A small seeded generator (mulberry32), so that a report's interval is the same on every print of one run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The median of `values` with its percentile-bootstrap interval: `resamples` draws of as many values with
 * replacement, and the (1 − level)/2 and (1 + level)/2 percentiles of their medians. For per-round ratios of two
 * contenders: how far the reported median could move in another run of as many rounds on the same machine.
 */
export function medianInterval(values: readonly number[], level = 0.95, resamples = 4000): Interval {
  const value = median(values);
  if (values.length < 2) return { value, low: value, high: value };
  const random = seeded(values.length * 7919);
  const medians: number[] = [];
  const draw: number[] = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) draw[i] = values[Math.floor(random() * values.length)]!;
    medians.push(median(draw));
  }
  return { value, low: percentile(medians, ((1 - level) / 2) * 100), high: percentile(medians, ((1 + level) / 2) * 100) };
}

/** `0.92x (95% 0.89–0.95)`. */
export function formatInterval(interval: Interval, digits = 2): string {
  return `${interval.value.toFixed(digits)}x (95% ${interval.low.toFixed(digits)}–${interval.high.toFixed(digits)})`;
}
