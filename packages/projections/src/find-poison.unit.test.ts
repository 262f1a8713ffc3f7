import { describe, expect, it } from 'vitest';
import { ProjectionHandlerError } from './errors.js';
import { findPoison } from './find-poison.js';

/** A fake runner over positions 1..n whose handler throws on `poison`: applied positions are recorded. */
function runner(n: number, poison: Set<number>) {
  let checkpoint = 0;
  const applied: number[] = [];
  let batches = 0;
  return {
    applied,
    get batches() {
      return batches;
    },
    async batch(limit: number) {
      batches += 1;
      const next = Array.from({ length: Math.min(limit, n - checkpoint) }, (_, i) => checkpoint + 1 + i);
      const bad = next.find((p) => poison.has(p));
      if (bad !== undefined) throw new ProjectionHandlerError('p', BigInt(next[0]!), new Error(`poison ${bad}`));
      applied.push(...next);
      checkpoint += next.length;
      return 'applied' as const;
    },
  };
}

describe('findPoison', () => {
  it.each([1, 2, 76, 250, 499, 500])('finds the poison at %i of 500, applying every event before it once', async (at) => {
    const fake = runner(1000, new Set([at]));
    const found = await findPoison(fake, 500);
    expect(found).toBeInstanceOf(ProjectionHandlerError);
    expect((found as ProjectionHandlerError).position).toBe(BigInt(at));
    expect(fake.applied).toEqual(Array.from({ length: at - 1 }, (_, i) => i + 1));
    expect(fake.batches).toBeLessThanOrEqual(11);
  });

  it('finds the first of two poisons', async () => {
    const fake = runner(1000, new Set([30, 31]));
    expect(((await findPoison(fake, 100)) as ProjectionHandlerError).position).toBe(30n);
  });

  it("says 'recovered' when nothing fails alone", async () => {
    expect(await findPoison(runner(10, new Set()), 10)).toBe('recovered');
  });
});
