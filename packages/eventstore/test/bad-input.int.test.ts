import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { freePort } from '@tally/test-harness';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, EventStoreError, type Head, type NewEvent } from '../src/index.js';
import {
  ConfigurationError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  InvalidEventError,
  InvalidQueryError,
} from '../src/errors.js';
import { MAX_JSON_DEPTH, MAX_TAG_BYTES, MAX_TAGS, MAX_TYPE_BYTES, validateChannel } from '../src/validation.js';
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

/** `{ a: { a: … leaf } }` with `depth` objects, built without recursion. */
function nested(depth: number, leaf: unknown = 1): Record<string, unknown> {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
}

async function failure(call: () => Promise<unknown>): Promise<unknown> {
  return call().then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('issue 11 item 7: input the database used to refuse raw gets a typed error, and nothing is written', () => {
  const tags65 = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `tag:${i}`);
  type ErrorClass = typeof InvalidEventError | typeof InvalidQueryError;
  const cases: [string, () => Promise<unknown>, ErrorClass, string][] = [
    ['data null (was 23502)', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: null }])), InvalidEventError, 'INVALID_EVENT_DATA'],
    ['a type of 3,000 characters (was 54000)', () => ctx.store.append(untyped([{ type: 'T'.repeat(3_000), data: {} }])), InvalidEventError, 'INVALID_EVENT_TYPE'],
    ['a tag of 3,000 bytes (was 54000)', () => ctx.store.append([{ ...good, tags: ['é'.repeat(1_500)] }]), InvalidEventError, 'INVALID_TAG'],
    [`${MAX_TAGS + 1} tags on one event`, () => ctx.store.append([{ ...good, tags: tags65 }]), InvalidEventError, 'INVALID_TAG'],
    ['data nested 3,000 deep (was a stack overflow)', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: nested(3_000) }])), InvalidEventError, 'INVALID_EVENT_DATA'],
    ['data nested 100,000 deep', () => ctx.store.append(untyped([{ type: 'MoneyDeposited', data: nested(100_000) }])), InvalidEventError, 'INVALID_EVENT_DATA'],
    ['event metadata nested 3,000 deep', () => ctx.store.append(untyped([{ ...good, metadata: { trace: nested(3_000) } }])), InvalidEventError, 'INVALID_METADATA'],
    ['call metadata nested 3,000 deep', () => ctx.store.append([good], { metadata: nested(3_000) as never }), InvalidEventError, 'INVALID_METADATA'],
    ['read after 2^70 (was 22003)', () => ctx.store.read(undefined, { after: 2n ** 70n }), InvalidQueryError, 'INVALID_OPTION'],
    ['stream after 2^70', async () => { for await (const _ of ctx.store.stream(undefined, { after: 2n ** 70n })) break; }, InvalidQueryError, 'INVALID_OPTION'],
    ['a query item with a 3,000-character tag', () => ctx.store.read([{ tags: ['t'.repeat(3_000)] }]), InvalidQueryError, 'INVALID_QUERY'],
    ['a query item with a type over the limit', () => ctx.store.read(untyped([{ types: ['T'.repeat(MAX_TYPE_BYTES + 1)] }]) as never), InvalidQueryError, 'INVALID_QUERY'],
    ['a query item that requires more tags than an event can carry', () => ctx.store.read([{ tags: tags65 }]), InvalidQueryError, 'INVALID_QUERY'],
    ['a query item with data nested 3,000 deep', () => ctx.store.read([{ data: nested(3_000) as never }]), InvalidQueryError, 'INVALID_QUERY'],
    ['a condition with a 3,000-character tag', () => ctx.store.append([good], { condition: { query: [{ tags: ['t'.repeat(3_000)] }] } }), InvalidQueryError, 'INVALID_QUERY'],
  ];

  it.each(cases)('%s', async (_name, call, errorClass, code) => {
    const before = await count();
    const error = await failure(call);
    expect(error).toBeInstanceOf(errorClass);
    expect(error).toMatchObject({ code });
    expect(await count()).toBe(before);
  });

  it('what is just within every limit is stored, indexed and read back: the limits fit the database', async () => {
    const type = 'T'.repeat(MAX_TYPE_BYTES);
    const tags = Array.from({ length: MAX_TAGS }, (_, i) => `${i}:`.padEnd(MAX_TAG_BYTES / 2, 'é').slice(0, MAX_TAG_BYTES / 2));
    expect(tags.every((tag) => Buffer.byteLength(tag) <= MAX_TAG_BYTES)).toBe(true);
    const data = nested(MAX_JSON_DEPTH - 1, 'leaf');
    const metadata = { trace: nested(MAX_JSON_DEPTH - 2) };
    const before = await count();
    await ctx.store.append(untyped([{ type, data, tags, metadata }]));
    const { events } = await ctx.store.read(untyped([{ types: [type], tags: [tags[63]!] }]) as never);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type, tags, data, metadata });
    expect((await ctx.store.read([{ data: nested(MAX_JSON_DEPTH - 1, 'leaf') as never }])).events).toHaveLength(1);
    expect(await count()).toBe(before + 1);
  });

  it("a channel of 40 characters but 80 bytes ('é'.repeat(40)) is INVALID_CONFIGURATION", () => {
    expect(() => validateChannel('é'.repeat(40))).toThrow(ConfigurationError);
    expect(() => validateChannel('é'.repeat(40))).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
  });

  it("createEventStore({ channel: 'é'.repeat(40) }) throws ConfigurationError", () => {
    expect(() => createEventStore({ connectionString: ctx.database.url, channel: 'é'.repeat(40) })).toThrow(ConfigurationError);
  });

  it.each([['5:3:'], ['0:0:']])('a head %s is INVALID_HEAD and nothing is written', async (head) => {
    const before = await count();
    const error = await failure(() => ctx.store.append([good], { condition: { query: [{ tags: ['t'] }], after: head as Head } }));
    expect(error).toBeInstanceOf(InvalidQueryError);
    expect(error).toMatchObject({ code: 'INVALID_HEAD' });
    expect(await count()).toBe(before);
  });

  /**
   * Runs `work` in a caller's transaction while another connection holds an ACCESS EXCLUSIVE lock on the events
   * table, so the store's statement waits for it until the transaction's timeout cancels it: the store's own
   * statement is the one that times out, every time.
   */
  async function withTableLocked(setting: string, work: (trx: Transaction<object>) => Promise<unknown>): Promise<unknown> {
    const locker = await rawClient(ctx.database.url);
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE tally.events IN ACCESS EXCLUSIVE MODE');
    let error: unknown;
    try {
      await ctx.db
        .transaction()
        .execute(async (trx) => {
          await sql.raw(setting).execute(trx);
          error = await failure(() => work(trx));
          throw error; // roll the caller's transaction back, as a caller would
        })
        .catch(() => {});
    } finally {
      await locker.query('ROLLBACK');
    }
    return error;
  }

  it.each([
    ['statement_timeout', "SET LOCAL statement_timeout = '200ms'", '57014'],
    ['lock_timeout', "SET LOCAL lock_timeout = '200ms'", '55P03'],
  ])('a read cancelled by %s inside with(trx) is DatabaseTimeoutError', async (_name, setting, sqlstate) => {
    const before = await count();
    const error = await withTableLocked(setting, (trx) => ctx.store.with(trx).read([{ tags: ['account:seed'] }]));
    expect(error).toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', sqlstate, cause: expect.objectContaining({ code: sqlstate }) });
    expect(await count()).toBe(before);
  });

  it('an append cancelled by statement_timeout inside with(trx) is DatabaseTimeoutError, and nothing is written', async () => {
    const before = await count();
    const error = await withTableLocked("SET LOCAL statement_timeout = '200ms'", async (trx) => {
      await ctx.store.with(trx).append([good]);
      await ctx.store.with(trx).append([good]);
    });
    expect(error).toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', sqlstate: '57014', message: expect.stringContaining('wrote nothing') });
    expect(await count()).toBe(before);
  });

  it('a with(trx) whose backend was killed is DatabaseUnavailableError, and its earlier append is not written', async () => {
    const pool = new pg.Pool({ connectionString: ctx.database.url, max: 1 });
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {})); // the kill reaches a checked-out client
    const db = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
    const killer = await rawClient(ctx.database.url);
    const before = await count();
    const errors: unknown[] = [];
    try {
      await db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          const pid = rows[0]!.pid;
          await ctx.store.with(trx).append([good]);
          await killer.query('SELECT pg_terminate_backend($1)', [pid]);
          while ((await killer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount) await new Promise((r) => setTimeout(r, 10));
          errors.push(await failure(() => ctx.store.with(trx).append([good])));
          errors.push(await failure(() => ctx.store.with(trx).read()));
          throw errors[0];
        })
        .catch(() => {});
    } finally {
      await db.destroy();
    }
    for (const error of errors) {
      expect(error).toBeInstanceOf(DatabaseUnavailableError);
      expect(error).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    }
    expect(errors).toHaveLength(2);
    expect(await count()).toBe(before);
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
