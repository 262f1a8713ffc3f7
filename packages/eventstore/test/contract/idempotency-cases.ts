import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventIdConflictError } from '../../src/index.js';
import { accountQuery, deposit, failure, uniqueKey, type SharedStore } from './fixtures.js';

const withId = (accountId: string, amount = 1, id: string = randomUUID()) => ({ ...deposit(accountId, amount), id });

export function idempotencyCases(shared: SharedStore): void {
  describe('idempotent appends with caller-chosen ids', () => {
    it('a retried batch (same ids, same content, other metadata) is a duplicate: the stored positions, nothing written', async () => {
      const { store } = shared;
      const a = uniqueKey('dup');
      const batch = [withId(a, 1), withId(a, 2)];
      const first = await store.append(batch);
      const retry = await store.append(batch, { metadata: { correlationId: 'retry' } });
      expect(retry).toEqual({ positions: first.positions, ids: first.ids, schemaVersions: first.schemaVersions, lastPosition: first.lastPosition, duplicate: true });
      const upper = await store.append(batch.map((e) => ({ ...e, id: e.id.toUpperCase() })));
      expect(upper.duplicate).toBe(true);
      const { events } = await store.read(accountQuery(a));
      expect(events).toHaveLength(2);
      expect(events[0]!.metadata).toEqual({});
    });

    it('a retry of a conditional append is a duplicate although its condition no longer holds, and has no head', async () => {
      const { store } = shared;
      const a = uniqueKey('dup-cond');
      const query = accountQuery(a);
      const { head } = await store.read(query);
      const event = withId(a);
      const first = await store.append([event], { condition: { query, after: head } });
      const retry = await store.append([event], { condition: { query, after: head } });
      expect(retry).toMatchObject({ duplicate: true, positions: first.positions });
      expect(retry.head).toBeUndefined();
    });

    it('compares content as jsonb: the same payload with its keys in another order is the same event', async () => {
      const { store } = shared;
      const a = uniqueKey('dup-order');
      const id = randomUUID();
      await store.append([{ id, type: 'MoneyDeposited', data: { accountId: a, amount: 3 }, tags: [`account:${a}`] }]);
      const retry = await store.append([{ id, type: 'MoneyDeposited', data: { amount: 3, accountId: a }, tags: [`account:${a}`] }]);
      expect(retry.duplicate).toBe(true);
    });

    it('the same id with other content is an EventIdConflictError naming the id, and nothing is written', async () => {
      const { store } = shared;
      const a = uniqueKey('conflict');
      const id = randomUUID();
      await store.append([withId(a, 5, id)]);
      for (const other of [withId(a, 6, id), { ...withId(a, 5, id), tags: [`account:${a}`, 'extra'] }, { ...withId(a, 5, id), type: 'MoneyWithdrawn' as const }]) {
        const error = await failure(store.append([other]));
        expect(error).toBeInstanceOf(EventIdConflictError);
        expect(error).toMatchObject({ code: 'EVENT_ID_CONFLICT', eventId: id });
      }
      expect((await store.read(accountQuery(a))).events).toHaveLength(1);
    });

    it('a batch mixing stored and new ids is an EventIdConflictError, and nothing is written', async () => {
      const { store } = shared;
      const a = uniqueKey('mixed');
      const stored = withId(a, 1);
      await store.append([stored]);
      await expect(store.append([stored, withId(a, 2)])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT', eventId: stored.id });
      await expect(store.append([deposit(a, 3), stored])).rejects.toMatchObject({ code: 'EVENT_ID_CONFLICT' });
      expect((await store.read(accountQuery(a))).events).toHaveLength(1);
    });
  });
}
