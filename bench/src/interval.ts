import { seededRandom } from '@tally/test-harness';
import { median, percentile } from './measure.js';

/** A statistic and the range it lies in with the stated confidence. */
export interface Interval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The median of `values` with its percentile-bootstrap interval: `resamples` draws of as many values with
 * replacement, and the (1 − level)/2 and (1 + level)/2 percentiles of their medians. For per-round ratios of two
 * contenders: how far the reported median could move in another run of as many rounds on the same machine.
 */
export function medianInterval(values: readonly number[], level = 0.95, resamples = 4000): Interval {
  const value = median(values);
  if (values.length < 2) return { value, low: value, high: value };
  // Seeded, so that one run prints one interval however often its report is made.
  const random = seededRandom(values.length * 7919);
  const medians: number[] = [];
  const draw: number[] = new Array<number>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) draw[i] = values[random.int(values.length)]!;
    medians.push(median(draw));
  }
  return { value, low: percentile(medians, ((1 - level) / 2) * 100), high: percentile(medians, ((1 + level) / 2) * 100) };
}

/** `0.92x (95% 0.89–0.95)`. */
export function formatInterval(interval: Interval, digits = 2): string {
  return `${interval.value.toFixed(digits)}x (95% ${interval.low.toFixed(digits)}–${interval.high.toFixed(digits)})`;
}
