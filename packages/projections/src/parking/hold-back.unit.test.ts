import { describe, expect, it } from 'vitest';
import { holdBack } from './hold-back.js';

const e = (position: number, ...tags: string[]) => ({ position: BigInt(position), tags });

describe('holdBack', () => {
  it('lets everything through when nothing is open', () => {
    const { handle, held } = holdBack([e(1, 'a'), e(2, 'b')], []);
    expect(handle.map((x) => x.position)).toEqual([1n, 2n]);
    expect(held).toEqual([]);
  });

  it('holds the events sharing a tag with an open one, and what shares a tag with those (in order)', () => {
    const { handle, held } = holdBack([e(5, 'a'), e(6, 'b', 'c'), e(7, 'c'), e(8, 'd'), e(9)], [e(3, 'x', 'b')]);
    expect(handle.map((x) => x.position)).toEqual([5n, 8n, 9n]);
    expect(held.map((h) => [h.event.position, h.heldBy])).toEqual([
      [6n, 3n],
      [7n, 6n],
    ]);
  });
});
