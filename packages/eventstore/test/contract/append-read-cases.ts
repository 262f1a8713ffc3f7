import { describe, expect, it } from 'vitest';
import type { Query, ReadOptions } from '../../src/index.js';
import type { TestEvent } from '../helpers.js';
import { accountQuery, deposit, lastPosition, looseQuery, opened, uniqueKey, untyped, withdrawal, type SharedStore } from './fixtures.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function appendAndReadCases(shared: SharedStore): void {
  describe('append and read', () => {
    it('appends a batch in order with strictly increasing positions and reads back every field', async () => {
      const { store } = shared;
      expect(typeof store.schema).toBe('string');
      expect(typeof store.channel).toBe('string');
      const a = uniqueKey('fields');
      const before = await lastPosition(store);
      const result = await store.append([opened(a), { ...deposit(a, 5), metadata: { causationId: 'c1' } }, withdrawal(a, 2)]);
      expect(result.duplicate).toBe(false);
      expect(result.head).toBeUndefined();
      expect(result.occurredAt).toBeUndefined(); // reported by conditional appends and appends with ids only
      expect(result.positions).toHaveLength(3);
      expect(result.positions[0]!).toBeGreaterThan(before);
      expect(result.positions[1]!).toBeGreaterThan(result.positions[0]!);
      expect(result.positions[2]!).toBeGreaterThan(result.positions[1]!);
      expect(result.lastPosition).toBe(result.positions[2]);

      const { events } = await store.read(undefined, { after: before });
      expect(events.map((e) => e.position)).toEqual(result.positions);
      expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn']);
      const [first, second] = events;
      expect(first!.data).toEqual({ accountId: a, customerName: 'Ada', currency: 'EUR' });
      expect(first!.id).toMatch(uuid);
      expect(first!.tags).toEqual([`account:${a}`]);
      expect(first!.metadata).toEqual({});
      expect(second!.metadata).toEqual({ causationId: 'c1' });
      expect(first!.occurredAt).toBeInstanceOf(Date);
      expect(typeof first!.transactionId).toBe('bigint');
      // No upcasters: every type is at schema version 1 (upcasting has its own file, test/upcasting.int.test.ts).
      expect(events.map((e) => e.schemaVersion)).toEqual([1, 1, 1]);
    });

    it('stamps one append with one transactionId and one occurredAt; a later append gets a larger transactionId', async () => {
      const { store } = shared;
      const a = uniqueKey('stamps');
      const startedAt = Date.now();
      await store.append([deposit(a, 1), deposit(a, 2)]);
      await store.append([deposit(a, 3)]);
      const { events } = await store.read(accountQuery(a));
      const [one, two, three] = events;
      expect(one!.transactionId).toBe(two!.transactionId);
      expect(three!.transactionId).toBeGreaterThan(one!.transactionId);
      expect(one!.occurredAt.getTime()).toBe(two!.occurredAt.getTime());
      expect(three!.occurredAt.getTime()).toBeGreaterThanOrEqual(one!.occurredAt.getTime());
      expect(one!.occurredAt.getTime()).toBeGreaterThan(startedAt - 5_000);
      expect(three!.occurredAt.getTime()).toBeLessThan(Date.now() + 5_000);
    });

    it("merges the call's metadata into each event's, the event's keys winning", async () => {
      const { store } = shared;
      const a = uniqueKey('metadata');
      await store.append([deposit(a), { ...deposit(a), metadata: { causationId: 'own', extra: 1 } }], {
        metadata: { correlationId: 'req-1', causationId: 'call' },
      });
      const { events } = await store.read(accountQuery(a));
      expect(events.map((e) => e.metadata)).toEqual([
        { correlationId: 'req-1', causationId: 'call' },
        { correlationId: 'req-1', causationId: 'own', extra: 1 },
      ]);
    });

    it('keeps given ids (lower-cased), generates distinct UUIDs for the others, and keeps tags once each, in order', async () => {
      const { store } = shared;
      const a = uniqueKey('ids');
      const given = crypto.randomUUID();
      await store.append([
        { ...deposit(a), id: given.toUpperCase(), tags: [`account:${a}`, 'z', 'a', 'z'] },
        deposit(a),
        deposit(a),
      ]);
      const { events } = await store.read(accountQuery(a));
      const withIds = await store.append([{ ...deposit(a), id: crypto.randomUUID() }]);
      const [last] = (await store.read(accountQuery(a), { backwards: true, limit: 1 })).events;
      expect(withIds).toMatchObject({ occurredAt: last!.occurredAt, transactionId: last!.transactionId });
      expect(events[0]!.id).toBe(given);
      expect(events[0]!.tags).toEqual([`account:${a}`, 'z', 'a']);
      expect(events[1]!.id).toMatch(uuid);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
    });

    it('gives payloads back as jsonb keeps them: undefined properties dropped, keys in jsonb order', async () => {
      const { store } = shared;
      const a = uniqueKey('jsonb');
      await store.append(
        untyped([{ type: 'MoneyDeposited', data: { accountId: a, amount: 1, note: undefined, zz: { b: [1, { bb: true, a: null }], a: -0 } }, tags: [`account:${a}`] }]),
        { metadata: { longer: 1, short: 2, x: 3 } },
      );
      const [event] = (await store.read(accountQuery(a))).events;
      expect(JSON.stringify(event!.data)).toBe(`{"zz":{"a":0,"b":[1,{"a":null,"bb":true}]},"amount":1,"accountId":"${a}"}`);
      expect(Object.keys(event!.metadata)).toEqual(['x', 'short', 'longer']);
    });

    it('ORs query items and ANDs the criteria inside one: types, every tag, payload containment', async () => {
      const { store } = shared;
      const a = uniqueKey('or');
      const b = uniqueKey('or');
      const before = await lastPosition(store);
      await store.append([
        opened(a, 'Ada'),
        deposit(a, 100),
        opened(b, 'Bob'),
        { type: 'MoneyTransferred', data: { from: a, to: b, amount: 30 }, tags: [`account:${a}`, `account:${b}`] },
        { ...withdrawal(b, 5), tags: [`account:${b}`, 'channel:atm'] },
      ]);
      const types = async (query: Query<TestEvent>) => (await store.read(query, { after: before })).events.map((e) => e.type);
      expect(await types([{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: [`account:${b}`] }, { types: ['AccountOpened'], data: { accountId: a } }])).toEqual([
        'AccountOpened',
        'MoneyWithdrawn',
      ]);
      expect(await types([{ tags: [`account:${b}`, 'channel:atm'] }])).toEqual(['MoneyWithdrawn']);
      expect(await types([{ tags: ['channel:atm', `account:${b}`] }, { types: ['MoneyDeposited'], tags: [`account:${a}`] }])).toEqual(['MoneyDeposited', 'MoneyWithdrawn']);
      expect(await types([{ tags: [`account:${a}`] }, { tags: [`account:${b}`] }])).toEqual(['AccountOpened', 'MoneyDeposited', 'AccountOpened', 'MoneyTransferred', 'MoneyWithdrawn']);
      expect(await types([{ tags: [`account:${a}`, `account:${b}`] }])).toEqual(['MoneyTransferred']);
      expect(await types([{ data: { accountId: a } }])).toEqual(['AccountOpened', 'MoneyDeposited']);
      expect(await types([{ data: { accountId: a, amount: 99 } }])).toEqual([]);
      expect(await types([{ types: ['AccountOpened'], tags: [`account:${a}`], data: { customerName: 'Bob' } }])).toEqual([]);
    });

    it('matches nested payloads by containment: sub-objects, array elements in any order', async () => {
      const { store } = shared;
      const a = uniqueKey('nested');
      const tag = `account:${a}`;
      await store.append(
        untyped([
          { type: 'MoneyDeposited', data: { accountId: a, lines: [{ sku: 'x', qty: 1 }, { sku: 'y', qty: 2 }], meta: { by: { name: 'Ada', roles: ['a', 'b'] } } }, tags: [tag] },
          { type: 'MoneyDeposited', data: { accountId: a, lines: [{ sku: 'y', qty: 3 }], meta: { by: { name: 'Bob' } } }, tags: [tag] },
        ]),
      );
      const count = async (data: Record<string, unknown>) => (await store.read(looseQuery([{ tags: [tag], data }]))).events.length;
      expect(await count({ lines: [{ sku: 'y' }] })).toBe(2);
      expect(await count({ lines: [{ sku: 'y' }, { sku: 'x', qty: 1 }] })).toBe(1);
      expect(await count({ lines: [{ sku: 'x', qty: 2 }] })).toBe(0);
      expect(await count({ meta: { by: { roles: ['b'] } } })).toBe(1);
      expect(await count({ meta: { by: {} } })).toBe(2);
      expect(await count({ lines: 'y' })).toBe(0);
      expect(await count({ lines: [] })).toBe(2);
    });

    it('pages reads with after, limit and backwards', async () => {
      const { store } = shared;
      const a = uniqueKey('paging');
      const { positions } = await store.append([deposit(a, 1), deposit(a, 2), deposit(a, 3), deposit(a, 4)]);
      const amounts = async (options: ReadOptions) => (await store.read(accountQuery(a), options)).events.map((e) => e.data.amount);
      expect(await amounts({ after: positions[0]!, limit: 2 })).toEqual([2, 3]);
      expect(await amounts({ backwards: true, limit: 3 })).toEqual([4, 3, 2]);
      expect(await amounts({ backwards: true, after: positions[1]! })).toEqual([4, 3]);
      expect(await amounts({ after: positions[3]! })).toEqual([]);
    });

    it('with alsoUnseenBy also returns the events at or below after that the head did not see', async () => {
      const { store } = shared;
      const a = uniqueKey('unseen');
      const query = accountQuery(a);
      await store.append([deposit(a, 1)]);
      const { head } = await store.read(query);
      const { positions } = await store.append([deposit(a, 2), deposit(a, 3)]);
      const amounts = async (options: ReadOptions) => (await store.read(query, options)).events.map((e) => e.data.amount);
      expect(await amounts({ after: positions[1]! })).toEqual([]);
      expect(await amounts({ after: positions[1]!, alsoUnseenBy: head })).toEqual([2, 3]);
      const { head: later } = await store.read(query);
      expect(await amounts({ after: positions[0]!, alsoUnseenBy: later })).toEqual([3]);
    });

    it('hands out copies: changing what was appended or what was read leaves the stored events alone', async () => {
      const { store } = shared;
      const a = uniqueKey('copies');
      const data = { accountId: a, amount: 1 };
      const tags = [`account:${a}`];
      const metadata = { correlationId: 'r1' };
      await store.append([{ type: 'MoneyDeposited', data, tags, metadata }]);
      data.amount = 99;
      tags.push('late');
      metadata.correlationId = 'changed';
      const first = (await store.read(accountQuery(a))).events[0]!;
      expect(first.data.amount).toBe(1);
      expect(first.tags).toEqual([`account:${a}`]);
      expect(first.metadata).toEqual({ correlationId: 'r1' });
      (first.data as { amount: number }).amount = 7;
      (first.tags as string[]).push('mutated');
      first.occurredAt.setTime(0);
      const again = (await store.read(accountQuery(a))).events[0]!;
      expect(again.data.amount).toBe(1);
      expect(again.tags).toEqual([`account:${a}`]);
      expect(again.occurredAt.getTime()).not.toBe(0);
    });

    it('migrate() is idempotent and keeps the events', async () => {
      const { store } = shared;
      const a = uniqueKey('migrate');
      await store.append([deposit(a)]);
      await store.migrate();
      await store.migrate();
      expect((await store.read(accountQuery(a))).events).toHaveLength(1);
    });
  });
}
