import { createEventStore } from '@tally/eventstore';
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { compareCheckpoints, formatCheckpoint } from '../src/index.js';
import { deposit, setup, waitFor, type TestEvent } from './helpers.js';

const fixture = await setup();
const NOISE = 50_000;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function planNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(planNodes)];
}

describe('a filtered subscription', () => {
  it('receives only matching events, through a settled read that uses the tags index (EXPLAIN at 50k events)', async () => {
    const admin = await fixture.client();
    // 50k events that do not match (same type, other tags), written in one transaction.
    await admin.query(
      `INSERT INTO tally.events (id, type, data, tags)
       SELECT gen_random_uuid(), 'MoneyDeposited', jsonb_build_object('accountId', 'n' || i, 'amount', i), ARRAY['account:n' || i]
         FROM generate_series(1, $1::int) AS i`,
      [NOISE],
    );
    // A few that do, in separate transactions, interleaved with more noise.
    const matching: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const appended = await fixture.store.append([deposit(i, 'vip', ['vip:7']), deposit(i, 'other', ['account:other'])]);
      const { rows } = await admin.query<{ id: string }>('SELECT id::text FROM tally.events WHERE position = $1', [
        String(appended.positions[0]),
      ]);
      matching.push(rows[0]!.id);
    }
    await admin.query('ANALYZE tally.events');

    // A store whose queries are captured, to EXPLAIN the very SQL the subscription issued.
    const captured: CompiledQuery[] = [];
    const pool = new pg.Pool({ connectionString: fixture.database.url, max: 4 });
    pool.on('error', () => {});
    const db = new Kysely<object>({
      dialect: new PostgresDialect({ pool }),
      log: (event) => {
        if (event.level === 'query') captured.push(event.query);
      },
    });
    const store = createEventStore<TestEvent>({ db });

    const horizon = formatCheckpoint(await fixture.store.settledCheckpoint());
    const stream = fixture.newStream({ store });
    const received: string[] = [];
    const amounts: number[] = [];
    const subscription = stream.subscribe({ query: [{ types: ['MoneyDeposited'], tags: ['vip:7'] }], after: 'start', batchSize: 100, maxWaitMs: 0 }, (batch) => {
      expectTypeOf(batch[0]!.type).toEqualTypeOf<'MoneyDeposited'>();
      for (const event of batch) {
        received.push(event.id);
        amounts.push(event.data.amount); // narrowed by the query's types: no cast
      }
    });
    await waitFor(() => received.length >= matching.length, 10_000, 'the matching events');
    await waitFor(() => compareCheckpoints(subscription.checkpoint!, horizon) >= 0, 10_000, 'the checkpoint past the noise');
    await stream.close();
    await db.destroy();
    expect(received).toEqual(matching);
    expect(amounts).toEqual([0, 1, 2, 3, 4, 5]);

    const settledRead = captured.find((query) => /transaction_isolation/.test(query.sql) && /"tags" @>/.test(query.sql));
    expect(settledRead, 'the settled read of the subscription').toBeDefined();
    const { rows } = await admin.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) ${settledRead!.sql}`,
      settledRead!.parameters as unknown[],
    );
    const nodes = planNodes(rows[0]!['QUERY PLAN'][0].Plan);
    const onEvents = nodes.filter((node) => node['Relation Name'] === 'events' || node['Index Name']?.startsWith('events_'));
    expect(onEvents.some((node) => node['Node Type'] === 'Seq Scan')).toBe(false);
    expect(
      onEvents.some((node) => /Index Scan|Bitmap Index Scan|Index Only Scan/.test(node['Node Type']) && node['Index Name'] === 'events_tags_idx'),
      JSON.stringify(nodes.map((node) => [node['Node Type'], node['Index Name'] ?? node['Relation Name']])),
    ).toBe(true);
    console.log(`[filter] plan of the settled read: ${nodes.map((node) => `${node['Node Type']}(${node['Index Name'] ?? node['Relation Name'] ?? ''})`).join(' > ')}`);
  });
});
