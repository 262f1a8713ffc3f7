import { describe, expect, it } from 'vitest';
import { accountQuery, deposit, uniqueKey, type SharedStore } from './fixtures.js';

export function settledCases(shared: SharedStore): void {
  describe('settled reads, checkpoints, horizon and lag', () => {
    it('hands out every committed event once, in (transactionId, position) order, a full page ending at its last event', async () => {
      const { store } = shared;
      const a = uniqueKey('settled');
      const start = await store.settledCheckpoint();
      await store.append([deposit(a, 1), deposit(a, 2)]);
      await store.append([deposit(a, 3)]);
      await store.append([deposit(a, 4)]);
      const query = accountQuery(a);
      const first = await store.readSettled(query, { after: start, limit: 2 });
      expect(first.events.map((e) => e.data.amount)).toEqual([1, 2]);
      expect(first.checkpoint).toEqual({ transactionId: first.events[1]!.transactionId, position: first.events[1]!.position });
      const rest = await store.readSettled(query, { after: first.checkpoint, limit: 10 });
      expect(rest.events.map((e) => e.data.amount)).toEqual([3, 4]);
      const all = [...first.events, ...rest.events];
      for (let i = 1; i < all.length; i++) {
        const [p, e] = [all[i - 1]!, all[i]!];
        expect(e.transactionId > p.transactionId || (e.transactionId === p.transactionId && e.position > p.position)).toBe(true);
      }
      // Not full: the checkpoint moves past everything committed, to the next transaction id.
      expect(rest.checkpoint).toEqual({ transactionId: rest.events[1]!.transactionId + 1n, position: 0n });
      const again = await store.readSettled(query, { after: rest.checkpoint, limit: 10 });
      expect(again.events).toEqual([]);
      expect(again.checkpoint).toEqual(rest.checkpoint);
    });

    it('moves a filtered checkpoint past events that do not match', async () => {
      const { store } = shared;
      const a = uniqueKey('settled-filter');
      const start = await store.settledCheckpoint();
      await store.append([deposit(a, 1)]);
      const other = await store.append([deposit(uniqueKey('settled-other'))]);
      const page = await store.readSettled(accountQuery(a), { after: start, limit: 5 });
      expect(page.events).toHaveLength(1);
      const [otherEvent] = (await store.read(undefined, { after: other.lastPosition - 1n })).events;
      expect(page.checkpoint.transactionId).toBeGreaterThan(otherEvent!.transactionId);
      expect((await store.readSettled(undefined, { after: page.checkpoint, limit: 5 })).events).toEqual([]);
    });

    it('starts a follower at settledCheckpoint() past every committed event: it sees only later ones', async () => {
      const { store } = shared;
      const a = uniqueKey('settled-start');
      await store.append([deposit(a, 1)]);
      const start = await store.settledCheckpoint();
      await store.append([deposit(a, 2)]);
      const { events } = await store.readSettled(undefined, { after: start, limit: 100 });
      expect(events.map((e) => e.data)).toEqual([{ accountId: a, amount: 2 }]);
    });

    it('horizon(): nothing holds followers back when no transaction is open', async () => {
      const { store } = shared;
      await store.append([deposit(uniqueKey('horizon'))]);
      const horizon = await store.horizon();
      expect(horizon.blockers).toEqual([]);
      expect(horizon.unsettledEvents).toBe(0);
      expect(horizon.settled).toEqual(await store.settledCheckpoint());
    });

    it('lag counts the committed matching events after a checkpoint, up to limit, with the first position and the oldest age', async () => {
      const { store } = shared;
      const a = uniqueKey('lag');
      const start = await store.settledCheckpoint();
      const query = accountQuery(a);
      expect(await store.lag(query, { after: start })).toEqual({ events: 0, unsettledEvents: 0, oldestAgeMs: null, firstPosition: null });
      const { positions } = await store.append([deposit(a, 1), deposit(a, 2), deposit(a, 3)]);
      const lag = await store.lag(query, { after: start });
      expect(lag).toMatchObject({ events: 3, unsettledEvents: 0, firstPosition: positions[0] });
      expect(lag.oldestAgeMs).toBeGreaterThanOrEqual(0);
      expect(lag.oldestAgeMs).toBeLessThan(60_000);
      expect((await store.lag(query, { after: start, limit: 2 })).events).toBe(2);
      const handled = await store.readSettled(query, { after: start, limit: 2 });
      expect((await store.lag(query, { after: handled.checkpoint })).events).toBe(1);
    });
  });
}
