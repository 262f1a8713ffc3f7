import { describe, expect, it } from 'vitest';
import { laneKey } from './lane-key.js';

describe('laneKey', () => {
  it('is the same for equal queries whatever the key order of their items and payloads', () => {
    expect(laneKey([{ types: ['A'], tags: ['t:1'], data: { a: 1, b: { c: 2, d: 3 } } }])).toBe(
      laneKey([{ data: { b: { d: 3, c: 2 }, a: 1 }, tags: ['t:1'], types: ['A'] }]),
    );
  });

  it('differs for queries that differ in any part, including where a list ends', () => {
    const keys = [
      [{ tags: ['a'] }],
      [{ tags: ['b'] }],
      [{ types: ['a'] }],
      [{ tags: ['a', 'b'] }],
      [{ tags: ['a'] }, { tags: ['b'] }],
      [{ tags: ['a|null|-;'] }],
      [{ tags: ['a'], data: { x: 1 } }],
      [{ tags: ['a'], data: { x: '1' } }],
      [{ tags: ['b', 'a'] }],
      [],
      'not a query',
    ].map(laneKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
