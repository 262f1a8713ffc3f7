import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  AppendConditionError,
  ConfigurationError,
  DatabaseTimeoutError,
  parseHead,
  type EventStore,
  type EventStoreSession,
  type Head,
  type KyselyInstance,
} from '../src/index.js';
import { createInMemoryEventStore, jsonbContains } from '../src/testing/index.js';
import { describeEventStoreContract } from './contract/event-store-contract.js';
import { erasureCases } from './contract/erasure-cases.js';
import type { PiiEvent } from './contract/erasure-fixtures.js';
import { accountQuery, deposit, failure, withdrawal } from './contract/fixtures.js';
import { jsonbContainmentCases } from './contract/jsonb-containment-cases.js';
import type { TestEvent } from './helpers.js';

describeEventStoreContract('memory', async () => ({ store: createInMemoryEventStore<TestEvent>(), cleanup: async () => {} }));
erasureCases('memory', async (options) => ({ store: createInMemoryEventStore<PiiEvent>(options), cleanup: async () => {} }));

describe('jsonbContains', () => {
  it.each(jsonbContainmentCases)('%j @> %j is %s', (container, contained, expected) => {
    expect(jsonbContains(container, contained)).toBe(expected);
  });
});

/** Something shaped like a Kysely instance, as a caller's `db` or `trx` would be. */
const kyselyLike: KyselyInstance = { withSchema: () => undefined, connection: () => undefined, startTransaction: () => undefined };

describe('createInMemoryEventStore: what only the memory store does', () => {
  it('is an EventStore<E> and keeps the union: narrowing on type narrows data', async () => {
    // #region memory-store-example
    const store = createInMemoryEventStore<TestEvent>();
    const query = [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: ['account:a1'] }] as const;

    await store.append([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 100 }, tags: ['account:a1'] }]);
    const { events, head } = await store.read(query);
    const balance = events.reduce((sum, e) => sum + (e.type === 'MoneyDeposited' ? e.data.amount : -e.data.amount), 0);
    await store.append([{ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: balance }, tags: ['account:a1'] }], {
      condition: { query, after: head },
    });

    // The head is spent: a second withdrawal decided from the same read is refused, as on PostgreSQL.
    await expect(
      store.append([{ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: balance }, tags: ['account:a1'] }], {
        condition: { query, after: head },
      }),
    ).rejects.toBeInstanceOf(AppendConditionError);
    // #endregion memory-store-example
    expectTypeOf(store).toMatchTypeOf<EventStore<TestEvent>>();
    expect(balance).toBe(100);
  });

  it('stamps occurredAt with the injected clock, and measures lag with it', async () => {
    let now = Date.UTC(2026, 0, 1, 12);
    const store = createInMemoryEventStore<TestEvent>({ now: () => new Date(now) });
    await store.append([deposit('c1', 1), deposit('c1', 2)]);
    now += 60_000;
    await store.append([deposit('c1', 3)]);
    const { events } = await store.read();
    expect(events.map((e) => e.occurredAt.toISOString())).toEqual(['2026-01-01T12:00:00.000Z', '2026-01-01T12:00:00.000Z', '2026-01-01T12:01:00.000Z']);
    now += 5_000;
    expect((await store.lag(undefined, { after: { transactionId: 0n, position: 0n } })).oldestAgeMs).toBe(65_000);
  });

  it('refuses a clock that returns no valid Date, and writes nothing', async () => {
    const store = createInMemoryEventStore<TestEvent>({ now: () => new Date(Number.NaN) });
    await expect(store.append([deposit('c2')])).rejects.toBeInstanceOf(ConfigurationError);
    expect((await store.read()).events).toEqual([]);
  });

  it('checks its options like the PostgreSQL store', () => {
    expect(() => createInMemoryEventStore({ schema: 'Not Valid' })).toThrow(ConfigurationError);
    expect(() => createInMemoryEventStore({ channel: 'x'.repeat(64) })).toThrow(ConfigurationError);
    expect(() => createInMemoryEventStore({ lockTimeoutMs: -1 })).toThrow(ConfigurationError);
    const store = createInMemoryEventStore({ schema: 'bank' });
    expect([store.schema, store.channel]).toEqual(['bank', 'bank_events']);
  });

  it('with(): refuses a Kysely instance with a ConfigurationError that says why, and takes its own transaction’s session', async () => {
    const store = createInMemoryEventStore<TestEvent>();
    expect(() => store.with(kyselyLike)).toThrow(/no SQL transactions/);
    const other = createInMemoryEventStore<TestEvent>();
    let joined: EventStoreSession<TestEvent> | undefined;
    await other.transaction(async (session) => {
      expect(() => store.with(session)).toThrow(/another memory store/);
      joined = other.with(session);
      expect(joined).toBe(session);
      await joined.append([deposit('w1')]);
      expect((await other.read()).events).toEqual([]);
    });
    expect((await other.read()).events).toHaveLength(1);
    // Its transaction has ended: the session is of no use any more.
    await expect(joined!.read()).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('makes heads that parseHead accepts, and that no other store accepts', async () => {
    const store = createInMemoryEventStore<TestEvent>();
    const { head } = await store.read(accountQuery('h1'));
    expect(parseHead(head)).toBe(head);
    const twin = createInMemoryEventStore<TestEvent>();
    await expect(twin.append([deposit('h1')], { condition: { query: accountQuery('h1'), after: head } })).rejects.toMatchObject({ code: 'INVALID_HEAD' });
    // The syntax of a PostgreSQL head, with a signature of nobody.
    const foreign = `h1/${crypto.randomUUID()}/740:742:740///${'A'.repeat(22)}` as Head;
    expect(parseHead(foreign)).toBe(foreign);
    await expect(store.append([deposit('h1')], { condition: { query: accountQuery('h1'), after: foreign } })).rejects.toMatchObject({ code: 'INVALID_HEAD' });
  });

  it('still verifies a head signed long ago (past the heads it remembers): it guards an append like a recent one', async () => {
    const store = createInMemoryEventStore<TestEvent>();
    const query = accountQuery('old-head');
    const { head: old } = await store.read(query);
    const { head: alsoOld } = await store.read(query);
    expect(alsoOld).toBe(old); // the same position: the same head
    for (let i = 0; i < 1100; i++) await store.read(query, { after: BigInt(i) }).then(() => store.append([deposit(`other-${i}`)]));
    const later = await store.append([deposit('old-head')], { condition: { query, after: old } });
    expect(later.head).toBeDefined();
    await expect(store.append([deposit('old-head')], { condition: { query, after: old } })).rejects.toBeInstanceOf(AppendConditionError);
    const altered = `${old.slice(0, -2)}${old.endsWith('AA') ? 'BB' : 'AA'}` as Head;
    await expect(store.append([deposit('old-head')], { condition: { query, after: altered } })).rejects.toMatchObject({ code: 'INVALID_HEAD' });
  });

  it('runs transactions that append one after the other: the second waits for the first to end', async () => {
    const store = createInMemoryEventStore<TestEvent>();
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = store.transaction(async (session) => {
      await session.append([deposit('t1', 1)]);
      order.push('first appended');
      await held;
      order.push('first ends');
    });
    const second = store.transaction(async (session) => {
      await session.append([deposit('t1', 2)]);
      order.push('second appended');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['first appended']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first appended', 'first ends', 'second appended']);
    const { events } = await store.read(accountQuery('t1'));
    expect(events.map((e) => e.data.amount)).toEqual([1, 2]);
    expect(events[1]!.transactionId).toBeGreaterThan(events[0]!.transactionId);
  });

  it('fails an append that waits for a transaction longer than lockTimeoutMs with DATABASE_TIMEOUT (55P03) instead of hanging', async () => {
    const store = createInMemoryEventStore<TestEvent>({ lockTimeoutMs: 20 });
    await store.transaction(async (session) => {
      await session.append([deposit('l1', 1)]);
      // Awaiting an append outside the transaction from inside it: on PostgreSQL, a wait for its own locks.
      const error = await failure(store.append([withdrawal('l1', 1)]));
      expect(error).toBeInstanceOf(DatabaseTimeoutError);
      expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', sqlstate: '55P03' });
      expect((error as Error).message).toMatch(/lockTimeoutMs/);
    });
    expect((await store.read()).events.map((e) => e.type)).toEqual(['MoneyDeposited']);
  });

  it('holds no lock for an open transaction that has not appended: other appends go on', async () => {
    const store = createInMemoryEventStore<TestEvent>({ lockTimeoutMs: 20 });
    await store.transaction(async (session) => {
      await session.read();
      await store.append([deposit('n1')]);
      expect((await session.read()).events).toHaveLength(1); // READ COMMITTED: it sees what committed since
    });
  });
});
