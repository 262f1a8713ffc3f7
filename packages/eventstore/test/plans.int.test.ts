import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '../src/index.js';
import { matchQuery } from '../src/query-filter.js';
import type { EventStoreTables } from '../src/schema/tables.js';
import { rawClient, setupStore, type TestEvent } from './helpers.js';

/*
 * Issue 11, item 8: which index a tagged read uses must not depend on the statistics. On a table never
 * analyzed (a fresh store after a bulk load), and in the generic plans of prepared statements, the planner
 * assumes 0.5% of the rows for every criterion and ANDs the `(type, position)` btree with the tags GIN: with
 * one type for every event, that bitmap covers the whole table.
 *
 * The store: 50,000 `MoneyDeposited` events over 500 accounts (100 each, interleaved), bulk-loaded with one
 * INSERT … SELECT and not analyzed (autovacuum off for the table), plus 20 `AccountOpened` events.
 */

const seeded = 50_000;
const accounts = 500;

let ctx: Awaited<ReturnType<typeof setupStore>>;
let client: pg.Client;
/** A Kysely instance whose log keeps the statements run through it (`store.with(logged).read(…)`). */
let logged: Kysely<EventStoreTables>;
const statements: CompiledQuery[] = [];

beforeAll(async () => {
  ctx = await setupStore();
  client = await rawClient(ctx.database.url);
  logged = new Kysely<EventStoreTables>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ctx.database.url, max: 1 }) }),
    log: (event) => {
      if (event.level === 'query') statements.push(event.query);
    },
  });
  await client.query(`
    ALTER TABLE tally.events SET (autovacuum_enabled = off);
    ALTER TABLE tally.event_tags SET (autovacuum_enabled = off);
    INSERT INTO tally.events (id, type, data, tags)
    SELECT gen_random_uuid(), 'MoneyDeposited', jsonb_build_object('accountId', 'a' || (g % ${accounts}), 'amount', g % 100),
           ARRAY['account:a' || (g % ${accounts})]
      FROM generate_series(1, ${seeded}) AS g;
    INSERT INTO tally.events (id, type, data, tags)
    SELECT gen_random_uuid(), 'AccountOpened', jsonb_build_object('accountId', 'a' || g, 'currency', 'EUR'), ARRAY['account:a' || g]
      FROM generate_series(0, 19) AS g;`);
});
afterAll(() => logged.destroy());

/** The statement `read(query)` runs, as the store built it. */
async function readStatement(query: Query<TestEvent>): Promise<CompiledQuery> {
  statements.length = 0;
  await ctx.store.with(logged).read(query);
  const read = statements.find((s) => s.sql.includes('"events"'));
  if (!read) throw new Error(`no read statement among ${statements.length} logged`);
  return read;
}

/** A page statement built with `matchQuery` (the Kysely twin, used by stream pages and readSettled). */
function pageStatement(query: Query<TestEvent>): CompiledQuery {
  return logged
    .withSchema('tally')
    .selectFrom('events')
    .select(['events.position', 'events.type'])
    .where((eb) => matchQuery(eb, query))
    .orderBy('events.position')
    .compile();
}

/** A value as an SQL literal, as `pg` would send it. */
function literal(value: unknown): string {
  if (Array.isArray(value)) {
    return client.escapeLiteral(`{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  }
  return client.escapeLiteral(String(value));
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** What a plan reads: index names, and `seq:<table>` for sequential scans. */
function scans(node: PlanNode): string[] {
  const own = node['Index Name'] ? [node['Index Name']] : node['Node Type'] === 'Seq Scan' ? [`seq:${node['Relation Name']}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

/** The scans of `statement`'s plan, custom (planned for its values) or generic (as a prepared statement may be). */
async function planScans(statement: CompiledQuery, mode: 'custom' | 'generic'): Promise<string[]> {
  await client.query(`SET plan_cache_mode = force_${mode}_plan`);
  await client.query(`PREPARE plan_probe AS ${statement.sql}`);
  try {
    const args = statement.parameters.length > 0 ? `(${statement.parameters.map(literal).join(', ')})` : '';
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE plan_probe${args}`);
    return scans(rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    await client.query('DEALLOCATE plan_probe');
    await client.query('RESET plan_cache_mode');
  }
}

const tagged: Record<string, Query<TestEvent>> = {
  'types + tags': [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: ['account:a7'] }],
  'types + tags + data': [{ types: ['MoneyDeposited'], tags: ['account:a7'], data: { accountId: 'a7' } }],
  'two tagged items': [
    { types: ['MoneyDeposited'], tags: ['account:a7'] },
    { types: ['MoneyDeposited'], tags: ['account:a8'] },
  ],
};

/** Every tagged shape, through both texts and both kinds of plan, reads the tags GIN and nothing else of `events`. */
async function expectTagIndexOnly(): Promise<void> {
  for (const [name, query] of Object.entries(tagged)) {
    for (const [via, statement] of [
      ['read()', await readStatement(query)],
      ['matchQuery', pageStatement(query)],
    ] as const) {
      for (const mode of ['custom', 'generic'] as const) {
        const used = await planScans(statement, mode);
        const label = `${name}, ${via}, ${mode} plan: ${used.join(', ')}`;
        expect(used, label).toContain('events_tags_idx');
        expect(used.filter((s) => s !== 'events_tags_idx'), label).toEqual([]);
      }
    }
  }
}

describe('plans of tagged reads do not depend on statistics', () => {
  it('the table is never analyzed', async () => {
    const { rows } = await client.query<{ n: number; reltuples: number }>(
      `SELECT (SELECT count(*)::int FROM pg_statistic WHERE starelid = 'tally.events'::regclass) AS n,
              (SELECT reltuples FROM pg_class WHERE oid = 'tally.events'::regclass) AS reltuples`,
    );
    expect(rows[0]).toEqual({ n: 0, reltuples: -1 });
  });

  it('never analyzed: types + tags (+ data) items read the tags GIN only, not the (type, position) btree', async () => {
    await expectTagIndexOnly();
  });

  it('the tagged texts return what the item asks for', async () => {
    const all = await ctx.store.read(tagged['types + tags']!);
    expect(all.events).toHaveLength(seeded / accounts);
    expect((await ctx.store.read([{ types: ['AccountOpened', 'MoneyDeposited'], tags: ['account:a7'] }])).events).toHaveLength(seeded / accounts + 1);
    expect((await ctx.store.read(tagged['types + tags + data']!)).events).toHaveLength(seeded / accounts);
    expect((await ctx.store.read([{ types: ['MoneyDeposited'], tags: ['account:a7'], data: { accountId: 'a8' } }])).events).toHaveLength(0);
    expect((await ctx.store.read([{ types: ['MoneyWithdrawn'], tags: ['account:a7'] }])).events).toHaveLength(0);
    expect((await ctx.store.read(tagged['two tagged items']!)).events).toHaveLength((2 * seeded) / accounts);
  });

  it('after ANALYZE: the same, and items without tags still use the type btree and the data GIN', async () => {
    await client.query('ANALYZE tally.events');
    await expectTagIndexOnly();
    const rareType: Query<TestEvent> = [{ types: ['AccountOpened'] }];
    for (const statement of [await readStatement(rareType), pageStatement(rareType)]) {
      expect(await planScans(statement, 'custom')).toEqual(['events_type_position_idx']);
    }
    const byData: Query<TestEvent> = [{ types: ['AccountOpened'], data: { accountId: 'a3' } }];
    for (const statement of [await readStatement(byData), pageStatement(byData)]) {
      const used = await planScans(statement, 'custom');
      expect(used.length).toBeGreaterThan(0);
      for (const scan of used) expect(['events_type_position_idx', 'events_data_idx']).toContain(scan);
    }
    expect((await ctx.store.read(byData)).events).toHaveLength(1);
  });
});
