import { describe, expect, it } from 'vitest';
import { AppendConditionError, type Head, type Query } from '../../src/index.js';
import type { TestEvent } from '../helpers.js';
import { accountQuery, deposit, failure, opened, uniqueKey, withdrawal, type SharedStore } from './fixtures.js';

/** The head with its last character changed: well-formed, but not what the store signed. */
function altered(head: Head): Head {
  const last = head.at(-1) === 'A' ? 'B' : 'A';
  return `${head.slice(0, -1)}${last}` as Head;
}

export function conditionCases(shared: SharedStore): void {
  describe('append conditions', () => {
    it("succeeds with the read's head when nothing matching was appended since, and returns a head of its own", async () => {
      const { store } = shared;
      const a = uniqueKey('cond-ok');
      await store.append([deposit(a, 1)]);
      const query = accountQuery(a);
      const { head, events } = await store.read(query);
      expect(events).toHaveLength(1);
      const result = await store.append([withdrawal(a, 1)], { condition: { query, after: head } });
      expect(result.duplicate).toBe(false);
      expect(typeof result.head).toBe('string');
      const stored = (await store.read(query)).events;
      expect(stored).toHaveLength(2);
      expect(result.occurredAt).toEqual(stored[1]!.occurredAt);
      expect(result.transactionId).toBe(stored[1]!.transactionId);
    });

    it('fails with AppendConditionError when a matching event was appended after the read, and writes nothing', async () => {
      const { store } = shared;
      const a = uniqueKey('cond-race');
      const query = accountQuery(a);
      const { head } = await store.read(query);
      await store.append([deposit(a, 5)]); // races in between the read and the decision's append
      const error = await failure(store.append([withdrawal(a, 5)], { condition: { query, after: head } }));
      expect(error).toBeInstanceOf(AppendConditionError);
      expect(error).toMatchObject({ code: 'APPEND_CONDITION_FAILED', condition: { query, after: head } });
      expect((await store.read(query)).events.map((e) => e.type)).toEqual(['MoneyDeposited']);
    });

    it("is not failed by events outside the condition's query", async () => {
      const { store } = shared;
      const a = uniqueKey('cond-other');
      const query: Query<TestEvent> = [{ types: ['MoneyWithdrawn'], tags: [`account:${a}`] }];
      const { head } = await store.read(query);
      await store.append([deposit(a), withdrawal(uniqueKey('elsewhere'))]);
      await store.append([withdrawal(a)], { condition: { query, after: head } });
      expect((await store.read(accountQuery(a))).events).toHaveLength(2);
    });

    it('without a head fails when any matching event exists (uniqueness), and succeeds when none does', async () => {
      const { store } = shared;
      const name = uniqueKey('Ada');
      const query: Query<TestEvent> = [{ types: ['AccountOpened'], data: { customerName: name } }];
      await store.append([opened(uniqueKey('u1'), name)], { condition: { query } });
      const error = await failure(store.append([opened(uniqueKey('u2'), name)], { condition: { query } }));
      expect(error).toBeInstanceOf(AppendConditionError);
      expect((await store.read(query)).events).toHaveLength(1);
    });

    it('lets exactly one of several appends guarded by the same head win', async () => {
      const { store } = shared;
      const a = uniqueKey('cond-many');
      const query = accountQuery(a);
      const { head } = await store.read(query);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => store.append([deposit(a, i + 1)], { condition: { query, after: head } })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(AppendConditionError);
      expect((await store.read(query)).events).toHaveLength(1);
    });

    it("carries a decision forward with the append's head; a matching event appended since fails the next one", async () => {
      const { store } = shared;
      const a = uniqueKey('cond-carry');
      const query = accountQuery(a);
      let { head } = await store.read(query);
      for (let i = 1; i <= 3; i++) head = (await store.append([deposit(a, i)], { condition: { query, after: head } })).head!;
      await store.append([deposit(uniqueKey('unrelated'))]);
      const next = await store.append([deposit(a, 4)], { condition: { query, after: head } });
      await store.append([withdrawal(a, 1)]);
      await expect(store.append([deposit(a, 5)], { condition: { query, after: next.head! } })).rejects.toBeInstanceOf(AppendConditionError);
      expect((await store.read(query)).events.map((e) => e.data.amount)).toEqual([1, 2, 3, 4, 1]);
    });

    it('treats a limited read as having seen every event then stored: its head fails only for later ones', async () => {
      const { store } = shared;
      const a = uniqueKey('cond-limit');
      const query = accountQuery(a);
      await store.append([deposit(a, 1), deposit(a, 2)]);
      const { head, events } = await store.read(query, { limit: 1 });
      expect(events).toHaveLength(1);
      await store.append([withdrawal(a, 1)], { condition: { query, after: head } });
    });

    it('refuses a head that is malformed, altered, or of the wrong kind with INVALID_HEAD, and writes nothing', async () => {
      const { store } = shared;
      const a = uniqueKey('cond-forged');
      const query = accountQuery(a);
      const { head } = await store.read(query);
      for (const after of ['garbage', altered(head), `${head}x`, 42, '']) {
        const error = await failure(store.append([deposit(a)], { condition: { query, after: after as Head } }));
        expect(error).toMatchObject({ code: 'INVALID_HEAD' });
      }
      expect((await store.read(query)).events).toHaveLength(0);
    });
  });
}
