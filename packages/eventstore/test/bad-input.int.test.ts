import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { freePort } from '@tally/test-harness';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, EventStoreError, type Head, type NewEvent } from '../src/index.js';
import { rawClient, setupStore, type TestEvent } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
beforeAll(async () => {
  ctx = await setupStore();
  await ctx.store.append([{ type: 'MoneyDeposited', data: { accountId: 'seed', amount: 1 }, tags: ['account:seed'] }]);
});

async function count(): Promise<number> {
  return (await ctx.store.read()).events.length;
}

/** Lets a test hand the store what TypeScript would refuse, as JavaScript callers and JSON bodies can. */
function untyped(value: unknown): NewEvent<TestEvent>[] {
  return value as NewEvent<TestEvent>[];
}

const good = { type: 'MoneyDeposited', data: { accountId: 'b', amount: 1 } } as const;
const cyclic: Record<string, unknown> = { accountId: 'c' };
cyclic.self = cyclic;

describe('bad input gets a typed error with a code, and nothing is written', () => {
  const cases: [string, () => Promise<unknown>, string][] = [
    ['an empty event list', () => ctx.store.append([]), 'EMPTY_APPEND'],
    ['not an array', () => ctx.store.append(untyped({ type: 'X' })), 'INVALID_EVENT'],
    ['an empty type', () => ctx.store.append(untyped([{ type: '', data: {} }])), 'INVALID_EVENT_TYPE'],
    ['a type that is not a string', () => ctx.store.append(untyped([{ type: 42, data: {} }])), 'INVALID_EVENT_TYPE'],
    ['data missing', () => ctx.store.append(untyped([{ type: 'MoneyDeposited' }])), 'INVALID_EVENT_DATA'],
    ['data undefined', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: undefined }])), 'INVALID_EVENT_DATA'],
    ['a BigInt in the payload', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: { amount: 1n } }])), 'INVALID_EVENT_DATA'],
    ['a cycle in the payload', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: cyclic }])), 'INVALID_EVENT_DATA'],
    ['a function in the payload', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: { f: () => 1 } }])), 'INVALID_EVENT_DATA'],
    ['NaN in the payload', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: { amount: Number.NaN } }])), 'INVALID_EVENT_DATA'],
    ['a Date in the payload', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: { at: new Date() } }])), 'INVALID_EVENT_DATA'],
    ['a NUL character', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: { s: 'a\u0000b' } }])), 'INVALID_EVENT_DATA'],
    ['a payload of several MB', () => ctx.store.append([{ ...good, data: { accountId: 'x'.repeat(3_000_000), amount: 1 } }]), 'EVENT_TOO_LARGE'],
    ['a tag that is not a string', () => ctx.store.append(untyped([{ ...good, tags: ['ok', 7] }])), 'INVALID_TAG'],
    ['tags that are not an array', () => ctx.store.append(untyped([{ ...good, tags: 'account:b' }])), 'INVALID_TAG'],
    ['an id that is not a UUID', () => ctx.store.append(untyped([{ ...good, id: 'abc' }])), 'INVALID_EVENT_ID'],
    ['metadata that is not an object', () => ctx.store.append(untyped([{ ...good, metadata: 'x' }])), 'INVALID_METADATA'],
    ['a query item with neither types nor tags nor data', () => ctx.store.read([{}]), 'EMPTY_QUERY_ITEM'],
    ['a query that is not an array', () => ctx.store.read(untyped({ types: ['X'] }) as never), 'INVALID_QUERY'],
    ['an empty types list', () => ctx.store.read([{ types: [] }]), 'INVALID_QUERY'],
    ['a condition without a query', () => ctx.store.append([good], { condition: untyped({ after: undefined }) as never }), 'INVALID_CONDITION'],
    ['a condition with an empty query', () => ctx.store.append([good], { condition: { query: [] } }), 'INVALID_CONDITION'],
    ['a head that no read produced', () => ctx.store.append([good], { condition: { query: [{ tags: ['t'] }], after: 'garbage' as Head } }), 'INVALID_HEAD'],
    ['a negative limit', () => ctx.store.read(undefined, { limit: -1 }), 'INVALID_OPTION'],
  ];

  it.each(cases)('%s', async (_name, call, code) => {
    const before = await count();
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EventStoreError);
    expect(error).toMatchObject({ code });
    expect((error as Error).message.length).toBeGreaterThan(10);
    expect(await count()).toBe(before);
  });

  it('a bad third event leaves the first two unwritten, and names the event and the path', async () => {
    const before = await count();
    const batch = untyped([good, good, { type: 'MoneyDeposited', data: { nested: { list: [1, 2n] } } }]);
    await expect(ctx.store.append(batch)).rejects.toMatchObject({
      code: 'INVALID_EVENT_DATA',
      index: 2,
      message: expect.stringContaining('events[2].data.nested.list[1]'),
    });
    expect(await count()).toBe(before);
  });

  it('a closed store refuses every call', async () => {
    const store = ctx.newStore();
    await store.close();
    await store.close(); // twice is fine
    await expect(store.append([good])).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    await expect(store.read()).rejects.toMatchObject({ code: 'STORE_CLOSED' });
  });

  it('a database that is not there is DATABASE_UNAVAILABLE', async () => {
    const port = await freePort();
    const down = createEventStore<TestEvent>({ connectionString: `postgres://postgres@127.0.0.1:${port}/none` });
    await expect(down.read()).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    await down.close();
    const url = new URL(ctx.database.url);
    url.pathname = '/no_such_database_here';
    const wrongDb = createEventStore<TestEvent>({ connectionString: url.toString() });
    await expect(wrongDb.append([good])).rejects.toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    await wrongDb.close();
  });

  it('a malformed configuration is INVALID_CONFIGURATION', () => {
    expect(() => createEventStore({ connectionString: ctx.database.url, schema: 'Bad-Schema; drop' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIGURATION' }),
    );
    expect(() => createEventStore(untyped({}) as never)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    for (const notifyIntervalMs of [-1, Number.NaN, '5' as unknown as number]) {
      expect(() => createEventStore({ connectionString: ctx.database.url, notifyIntervalMs })).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIGURATION', message: expect.stringContaining('notifyIntervalMs') }),
      );
    }
  });
});

describe('events are immutable in the database itself', () => {
  it.each(['UPDATE tally.events SET type = type', 'DELETE FROM tally.events', 'TRUNCATE tally.events'])('%s is rejected', async (statement) => {
    const client = await rawClient(ctx.database.url);
    const before = await count();
    await expect(client.query(statement)).rejects.toMatchObject({ code: 'TLY01', message: expect.stringContaining('immutable') });
    expect(await count()).toBe(before);
  });

  it('also through Kysely with a WHERE clause', async () => {
    const db = new Kysely<{ 'tally.events': { position: string } }>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ctx.database.url, max: 1 }) }),
    });
    try {
      await expect(db.deleteFrom('tally.events').where('position', '=', '1').execute()).rejects.toMatchObject({ code: 'TLY01' });
      await expect(sql`UPDATE tally.events SET data = '{}' WHERE position = 1`.execute(db)).rejects.toMatchObject({ code: 'TLY01' });
    } finally {
      await db.destroy();
    }
  });
});
