import { randomInt } from 'node:crypto';

/** Numbers in [0, 1) that a seed determines: one run of a randomized test can be replayed exactly. */
export interface SeededRandom {
  (): number;
  /** The seed these numbers come from. */
  readonly seed: number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T;
}

/** A small seeded generator (mulberry32): the same seed always gives the same sequence. */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (maxExclusive: number) => Math.floor(next() * maxExclusive);
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new RangeError('pick() needs at least one item');
    return items[int(items.length)]!;
  };
  return Object.assign(next, { seed: seed >>> 0, int, pick });
}

/**
 * The seed of a randomized test: `TEST_SEED` when set (to replay a run), else a fresh one. Printed with
 * `label`, so the output of a failing run names the seed that replays it.
 *
 * @throws RangeError when `TEST_SEED` is not an integer
 */
export function testSeed(label: string): number {
  const given = process.env.TEST_SEED;
  if (given !== undefined && given !== '' && !/^\d+$/.test(given)) throw new RangeError(`TEST_SEED must be an integer, got ${given}`);
  const seed = given ? Number(given) >>> 0 : randomInt(2 ** 32);
  console.log(`[seed] ${label}: TEST_SEED=${seed}${given ? ' (given)' : ''}`);
  return seed;
}

/** A generator for a randomized test, from `testSeed(label)`. */
export function testRandom(label: string): SeededRandom {
  return seededRandom(testSeed(label));
}
