import { describe, expect, it } from 'vitest';
import { accountQuery, deposit, uniqueKey, type SharedStore } from './fixtures.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

export function streamCases(shared: SharedStore): void {
  describe('stream', () => {
    it('iterates the matching events in position order across pages, from after', async () => {
      const { store } = shared;
      const a = uniqueKey('stream');
      const { positions } = await store.append(Array.from({ length: 7 }, (_, i) => deposit(a, i + 1)));
      await store.append([deposit(uniqueKey('stream-other'))]);
      const all = await collect(store.stream(accountQuery(a), { batchSize: 3 }));
      expect(all.map((e) => e.data.amount)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(all.map((e) => e.position)).toEqual(positions);
      const later = await collect(store.stream(accountQuery(a), { after: positions[4]!, batchSize: 2 }));
      expect(later.map((e) => e.data.amount)).toEqual([6, 7]);
      const exact = await collect(store.stream(accountQuery(a), { batchSize: 7 }));
      expect(exact).toHaveLength(7);
    });

    it('reads from one snapshot: events appended during the iteration do not appear in it', async () => {
      const { store } = shared;
      const a = uniqueKey('stream-snap');
      await store.append(Array.from({ length: 5 }, (_, i) => deposit(a, i + 1)));
      const seen: number[] = [];
      for await (const event of store.stream(accountQuery(a), { batchSize: 2 })) {
        seen.push(event.data.amount);
        if (seen.length === 1) await store.append([deposit(a, 100)]);
      }
      expect(seen).toEqual([1, 2, 3, 4, 5]);
      expect((await store.read(accountQuery(a))).events).toHaveLength(6);
    });

    it('stops cleanly when the consumer breaks early, and the store keeps working', async () => {
      const { store } = shared;
      const a = uniqueKey('stream-break');
      await store.append(Array.from({ length: 6 }, (_, i) => deposit(a, i + 1)));
      let seen = 0;
      for await (const _ of store.stream(accountQuery(a), { batchSize: 2 })) {
        if (++seen === 3) break;
      }
      expect(seen).toBe(3);
      await store.append([deposit(a, 7)]);
      expect((await store.read(accountQuery(a))).events).toHaveLength(7);
    });

    it('hands out copies of the events', async () => {
      const { store } = shared;
      const a = uniqueKey('stream-copy');
      await store.append([deposit(a, 1)]);
      for await (const event of store.stream(accountQuery(a))) (event.data as { amount: number }).amount = 9;
      expect((await store.read(accountQuery(a))).events[0]!.data.amount).toBe(1);
    });
  });
}
