import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { StoredEvent } from '../src/index.js';
import { setupStore, type TestEvent } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
beforeAll(async () => {
  ctx = await setupStore();
  await ctx.store.append(
    [
      { type: 'AccountOpened', data: { accountId: 'a1', customerName: 'Ada', currency: 'EUR' }, tags: ['account:a1'] },
      { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 100 }, tags: ['account:a1'], metadata: { causationId: 'cmd-1', extra: 1 } },
      { type: 'AccountOpened', data: { accountId: 'a2', customerName: 'Bob', currency: 'USD' }, tags: ['account:a2'] },
      { type: 'MoneyTransferred', data: { from: 'a1', to: 'a2', amount: 30 }, tags: ['account:a1', 'account:a2'] },
      { type: 'MoneyWithdrawn', data: { accountId: 'a2', amount: 5 }, tags: ['account:a2', 'channel:atm'] },
    ],
    { metadata: { correlationId: 'req-1', causationId: 'default' } },
  );
});

describe('read', () => {
  it('returns every event in position order with no query', async () => {
    const { events } = await ctx.store.read();
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'AccountOpened', 'MoneyTransferred', 'MoneyWithdrawn']);
    const positions = events.map((e) => e.position);
    expect([...positions].sort((a, b) => (a < b ? -1 : 1))).toEqual(positions);
    expect(typeof positions[0]).toBe('bigint');
    expect(events[0]!.occurredAt).toBeInstanceOf(Date);
    expect(events[0]!.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('ORs items and ANDs criteria inside an item', async () => {
    const { events } = await ctx.store.read([
      { types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: ['account:a2'] },
      { types: ['AccountOpened'], data: { customerName: 'Ada' } },
    ]);
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyWithdrawn']);
  });

  it('requires every tag of an item', async () => {
    const { events } = await ctx.store.read([{ tags: ['account:a2', 'channel:atm'] }]);
    expect(events.map((e) => e.type)).toEqual(['MoneyWithdrawn']);
  });

  it('matches payloads by containment', async () => {
    const { events } = await ctx.store.read([{ data: { accountId: 'a1' } }]);
    expect(events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
    expect((await ctx.store.read([{ data: { accountId: 'a1', amount: 99 } }])).events).toHaveLength(0);
  });

  it('narrows the returned events to the queried types', async () => {
    const { events } = await ctx.store.read([{ types: ['MoneyDeposited', 'MoneyWithdrawn'] }]);
    expectTypeOf(events).toEqualTypeOf<StoredEvent<Extract<TestEvent, { type: 'MoneyDeposited' | 'MoneyWithdrawn' }>>[]>();
    const total = events.reduce((sum, e) => sum + (e.type === 'MoneyDeposited' ? e.data.amount : -e.data.amount), 0);
    expect(total).toBe(95);
    // @ts-expect-error: 'Unknown' is not an event type of the union
    await ctx.store.read([{ types: ['Unknown'] }]).catch(() => undefined);
  });

  it('merges call metadata into each event, the event keys winning', async () => {
    const { events } = await ctx.store.read([{ types: ['MoneyDeposited'] }]);
    expect(events[0]!.metadata).toEqual({ correlationId: 'req-1', causationId: 'cmd-1', extra: 1 });
  });

  it('pages with after, limit and backwards', async () => {
    const all = (await ctx.store.read()).events;
    const page = await ctx.store.read(undefined, { after: all[1]!.position, limit: 2 });
    expect(page.events.map((e) => e.position)).toEqual([all[2]!.position, all[3]!.position]);
    const last = await ctx.store.read([{ tags: ['account:a1'] }], { backwards: true, limit: 1 });
    expect(last.events.map((e) => e.type)).toEqual(['MoneyTransferred']);
  });

  it('reads and appends inside the caller’s transaction, and a rollback leaves nothing', async () => {
    const db = new Kysely<object>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ctx.database.url, max: 2 }) }) });
    try {
      const before = (await ctx.store.read()).events.length;
      await db
        .transaction()
        .execute(async (trx) => {
          await ctx.store.with(trx).append([{ type: 'MoneyDeposited', data: { accountId: 'rb', amount: 1 } }]);
          expect((await ctx.store.with(trx).read([{ data: { accountId: 'rb' } }])).events).toHaveLength(1);
          let streamed = 0;
          for await (const _ of ctx.store.with(trx).stream([{ data: { accountId: 'rb' } }])) streamed++;
          expect(streamed).toBe(1);
          throw new Error('roll back');
        })
        .catch(() => undefined);
      expect((await ctx.store.read()).events.length).toBe(before);
    } finally {
      await db.destroy();
    }
  });

  it('a settled read hands out everything once, in (transactionId, position) order, and advances past non-matching events', async () => {
    const first = await ctx.store.readSettled([{ tags: ['account:a1'] }], { after: { transactionId: 0n, position: 0n }, limit: 2 });
    expect(first.events).toHaveLength(2);
    const rest = await ctx.store.readSettled([{ tags: ['account:a1'] }], { after: first.checkpoint, limit: 100 });
    expect([...first.events, ...rest.events].map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited', 'MoneyTransferred']);
    const again = await ctx.store.readSettled([{ tags: ['account:a1'] }], { after: rest.checkpoint, limit: 100 });
    expect(again.events).toHaveLength(0);
    expect(again.checkpoint.transactionId).toBeGreaterThanOrEqual(rest.checkpoint.transactionId);
  });
});
