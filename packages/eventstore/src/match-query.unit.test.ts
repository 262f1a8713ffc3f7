import type { StoredEvent } from './types.js';
import { describe, expect, it } from 'vitest';
import { jsonContains, matchesQuery } from './match-query.js';

type Ev = { type: 'A'; data: { id: string; items: { sku: string; n: number }[] } } | { type: 'B'; data: { id: string } };

const event = (type: 'A' | 'B', data: Ev['data'], tags: string[] = []): StoredEvent<Ev> =>
  ({ type, data, tags, position: 1n, id: 'x', metadata: {}, occurredAt: new Date(), transactionId: 1n, schemaVersion: 1 }) as StoredEvent<Ev>;

describe('matchesQuery (the in-memory twin of the store filter, used inline)', () => {
  it('ORs items and ANDs types, tags and payload containment inside an item', () => {
    const a = event('A', { id: '1', items: [{ sku: 's', n: 2 }] }, ['t1', 't2']);
    expect(matchesQuery(a, [])).toBe(true);
    expect(matchesQuery(a, [{ types: ['B'] }])).toBe(false);
    expect(matchesQuery(a, [{ types: ['B'] }, { tags: ['t2'] }])).toBe(true);
    expect(matchesQuery(a, [{ types: ['A'], tags: ['t1', 't3'] }])).toBe(false);
    expect(matchesQuery(a, [{ types: ['A'], data: { items: [{ sku: 's' }] } }])).toBe(true);
    expect(matchesQuery(a, [{ data: { id: '2' } }])).toBe(false);
  });

  it('follows jsonb @> for arrays, objects and scalars', () => {
    expect(jsonContains([1, 2, 3], [3, 1])).toBe(true);
    expect(jsonContains([1, 2], [4])).toBe(false);
    expect(jsonContains({ a: { b: 1, c: 2 } }, { a: { b: 1 } })).toBe(true);
    expect(jsonContains({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonContains({ a: [1] }, { a: 1 })).toBe(false);
  });
});
