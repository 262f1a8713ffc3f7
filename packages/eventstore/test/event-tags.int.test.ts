import { Migrator, sql, type Kysely } from 'kysely';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppendConditionError, createEventStore, type Query } from '../src/index.js';
import { migrations } from '../src/schema/migrations.js';
import { rawClient, setupStore, type TestEvent } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
let db: Kysely<object>;
beforeAll(async () => {
  ctx = await setupStore();
  db = ctx.db;
});

/** Both sides of the invariant the condition check relies on: one `event_tags` row per (event, tag), nothing else. */
async function tagRows(schema: string): Promise<{ expected: string[]; stored: string[] }> {
  const line = (r: { tag: string; transaction_id: string; position: string }) => `${r.position} ${r.transaction_id} ${r.tag}`;
  const expected = await sql<{ tag: string; transaction_id: string; position: string }>`
    SELECT t.tag, e.transaction_id::text, e.position::text FROM ${sql.id(schema, 'events')} e, unnest(e.tags) AS t(tag)`.execute(db);
  const stored = await sql<{ tag: string; transaction_id: string; position: string }>`
    SELECT tag, transaction_id::text, position::text FROM ${sql.id(schema, 'event_tags')}`.execute(db);
  return { expected: expected.rows.map(line).sort(), stored: stored.rows.map(line).sort() };
}

/** Creates `schema` as a store at 0002 (before event_tags), the way an existing store looks before it upgrades. */
async function migrateToBeforeEventTags(schema: string): Promise<void> {
  await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(schema) },
    migrationTableSchema: schema,
    migrationTableName: 'tally_migration',
    migrationLockTableName: 'tally_migration_lock',
  });
  const { error } = await migrator.migrateTo('0002_append_head');
  expect(error).toBeUndefined();
}

/** An event written as a Tally older than the current schema writes it: one plain INSERT. */
async function legacyInsert(schema: string, type: string, data: object, tags: string[]): Promise<void> {
  await sql`INSERT INTO ${sql.id(schema, 'events')} (id, type, data, tags, metadata, occurred_at)
            VALUES (${randomUUID()}, ${type}, ${JSON.stringify(data)}::jsonb, ${tags}::text[], '{}'::jsonb, clock_timestamp())`.execute(db);
}

describe('event_tags: the (tag, transaction) index of the condition check', () => {
  it('gets exactly one row per event and tag, whichever way the event went in, and none for a write that failed', async () => {
    const store = ctx.store;
    const bulky = createEventStore<TestEvent>({ connectionString: ctx.database.url, maxFineLocks: 3 });
    try {
      await store.append([{ type: 'MoneyDeposited', data: { accountId: 'p', amount: 1 }, tags: ['account:p'] }]); // plain INSERT
      await store.append([
        { type: 'MoneyDeposited', data: { accountId: 'q', amount: 1 }, tags: ['account:q', 'branch:north', 'vip'] },
        { type: 'MoneyDeposited', data: { accountId: 'r', amount: 1 } },
      ]);
      await bulky.append(Array.from({ length: 6 }, (_, i) => ({ type: 'MoneyDeposited' as const, data: { accountId: `b${i}`, amount: 1 }, tags: [`account:b${i}`] })));
      const query: Query<TestEvent> = [{ tags: ['account:p'] }];
      const { head } = await store.read(query);
      await store.append([{ type: 'MoneyWithdrawn', data: { accountId: 'p', amount: 1 }, tags: ['account:p'] }], { condition: { query, after: head } }); // append_events
      const id = randomUUID();
      await store.append([{ id, type: 'MoneyDeposited', data: { accountId: 's', amount: 1 }, tags: ['account:s'] }]); // caller id: append_events
      await store.append([{ id, type: 'MoneyDeposited', data: { accountId: 's', amount: 1 }, tags: ['account:s'] }]); // duplicate: nothing written
      await db.transaction().execute(async (trx) => {
        await store.with(trx).append([{ type: 'MoneyDeposited', data: { accountId: 't', amount: 1 }, tags: ['account:t'] }]);
      });
      // Straight into the table, as a process on an older Tally would: the trigger still writes the rows.
      await sql`INSERT INTO tally.events (id, type, data, tags) VALUES (${randomUUID()}, 'MoneyDeposited', '{"accountId":"u","amount":1}', '{account:u,branch:south}')`.execute(db);
      // A statement that fails (duplicate id) leaves no tag rows behind.
      await expect(
        sql`INSERT INTO tally.events (id, type, data, tags) VALUES (${id}, 'MoneyDeposited', '{"accountId":"v","amount":1}', '{account:v}')`.execute(db),
      ).rejects.toMatchObject({ code: '23505' });
      await expect(
        store.append([{ type: 'MoneyDeposited', data: { accountId: 'p', amount: 1 }, tags: ['account:p'] }], { condition: { query, after: head } }),
      ).rejects.toBeInstanceOf(AppendConditionError);

      const { expected, stored } = await tagRows('tally');
      expect(expected).toHaveLength(1 + 3 + 6 + 1 + 1 + 1 + 2);
      expect(stored).toEqual(expected);
    } finally {
      await bulky.close();
    }
  });

  it.each(['UPDATE tally.event_tags SET tag = tag', 'DELETE FROM tally.event_tags', 'TRUNCATE tally.event_tags'])('%s is rejected', async (statement) => {
    await ctx.store.append([{ type: 'MoneyDeposited', data: { accountId: 'w', amount: 1 }, tags: ['account:w'] }]);
    const client = await rawClient(ctx.database.url);
    const count = async () => (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM tally.event_tags')).rows[0]!.n;
    const before = await count();
    expect(before).toBeGreaterThan(0);
    await expect(client.query(statement)).rejects.toMatchObject({ code: 'TLY01', message: expect.stringContaining('immutable') });
    expect(await count()).toBe(before);
  });

  it('is backfilled when an existing store migrates: events an older Tally wrote are found by conditions afterwards', async () => {
    const schema = 'upgraded';
    await migrateToBeforeEventTags(schema);
    // On the 0002 schema, written the way the Tally of that schema wrote them (a plain INSERT).
    await legacyInsert(schema, 'MoneyDeposited', { accountId: 'x', amount: 5 }, ['account:x', 'branch:east']);
    await legacyInsert(schema, 'MoneyWithdrawn', { accountId: 'x', amount: 5 }, ['account:x']);
    expect(await tagRows(schema).catch(() => null)).toBeNull(); // no event_tags table yet

    const store = createEventStore<TestEvent>({ connectionString: ctx.database.url, schema });
    try {
      await store.migrate();
      const { expected, stored } = await tagRows(schema);
      expect(expected).toHaveLength(3);
      expect(stored).toEqual(expected);
      const query: Query<TestEvent> = [{ types: ['MoneyWithdrawn'], tags: ['account:x'] }];
      await expect(
        store.append([{ type: 'MoneyWithdrawn', data: { accountId: 'x', amount: 5 }, tags: ['account:x'] }], { condition: { query } }),
      ).rejects.toBeInstanceOf(AppendConditionError);
    } finally {
      await store.close();
    }
  });
  it('is backfilled exactly while 8 writers keep appending: no event misses its rows, none gets two', async () => {
    const schema = 'busy';
    await migrateToBeforeEventTags(schema);
    const upgrader = createEventStore<TestEvent>({ connectionString: ctx.database.url, schema, maxConnections: 1 });
    let stop = false;
    let written = 0;
    const writtenAtLeast = async (n: number) => {
      while (written < n) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    try {
      const writers = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; !stop; i++) {
          // Processes still running the Tally of the old schema: its plain INSERT.
          await legacyInsert(schema, 'MoneyDeposited', { accountId: `w${c}`, amount: i }, [`account:w${c}`, `round:${i % 3}`]);
          written++;
        }
      });
      await writtenAtLeast(200);
      await upgrader.migrate();
      const atMigrate = written;
      await writtenAtLeast(atMigrate + 200);
      stop = true;
      await Promise.all(writers);
      const { expected, stored } = await tagRows(schema);
      expect(expected).toHaveLength(2 * written);
      expect(stored).toEqual(expected);
    } finally {
      stop = true;
      await upgrader.close();
    }
  });
});
