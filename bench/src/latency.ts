import pg from 'pg';
import { AppendConditionError, type Query } from '@tally/eventstore';
import { accountTag, decisionTypes, deposit, seedTypes, type TallyBenchEvent } from './events.js';
import { percentile } from './measure.js';
import type { BenchStore } from './tally.js';

/**
 * Seeds a Tally store straight into its `events` table with `INSERT … SELECT generate_series`, for
 * `g` in [from, to), in chunks, then ANALYZEs it. Event `g` has type `seedTypes[g % 7]`, the tag
 * `account:<accountOf(g)>` (and a `branch:<n>` tag on one event in five), and a deposit-shaped payload,
 * so the type btree and the tags and data GIN indexes hold realistic spreads.
 */
export async function seedEvents(
  url: string,
  schema: string,
  from: number,
  to: number,
  accountSql: string,
  chunk: number,
  log: (line: string) => void,
): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  try {
    await client.query('SET synchronous_commit = off');
    const types = `ARRAY[${seedTypes.map((t) => `'${t}'`).join(', ')}]`;
    for (let lo = from; lo < to; lo += chunk) {
      const hi = Math.min(to, lo + chunk);
      const t0 = performance.now();
      await client.query(
        `INSERT INTO ${schema}.events (id, type, data, tags, metadata)
         SELECT gen_random_uuid(),
                (${types})[1 + g % ${seedTypes.length}],
                jsonb_build_object('accountId', (${accountSql})::text, 'amount', 1 + g % 500, 'depositId', 'seed-' || g),
                CASE WHEN g % 5 = 0 THEN ARRAY['account:' || (${accountSql}), 'branch:' || (g % 97)]
                     ELSE ARRAY['account:' || (${accountSql})] END,
                jsonb_build_object('correlationId', 'seed-' || (g / 4))
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [lo, hi - 1],
      );
      log(`  seeded ${hi.toLocaleString('en-US')} / ${to.toLocaleString('en-US')} (${Math.round(performance.now() - t0)} ms)`);
    }
    await client.query(`ANALYZE ${schema}.events`);
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

export interface LatencyStats {
  readonly samples: number;
  /** Events in the store when sampling started. */
  readonly storeEvents: number;
  readonly p50: number;
  readonly p99: number;
  readonly appendP50: number;
  readonly appendP99: number;
  readonly readP50: number;
  readonly readP99: number;
  readonly conflicts: number;
}

/**
 * Latency of one decision: `read` of an account's decision events, then a conditional `append` of one
 * event guarded by that read; 1 client. Sample `i` works account `probeAccounts[i % length]`, so the
 * reads are the same size whatever the size of the store. A warm-up on a separate account comes first.
 */
export async function measureConditionalLatency(
  store: BenchStore,
  probeAccounts: readonly string[],
  samples: number,
  storeEvents: number,
): Promise<LatencyStats> {
  const queryFor = (accountId: string): Query<TallyBenchEvent> => [{ types: decisionTypes, tags: [accountTag(accountId)] }];
  const warmup = `latency-warmup-${Date.now()}`;
  for (let i = 0; i < 100; i++) {
    const { head } = await store.read(queryFor(warmup));
    await store.append([deposit(warmup, i)], { condition: { query: queryFor(warmup), after: head } });
  }
  const totals: number[] = [];
  const reads: number[] = [];
  const appends: number[] = [];
  let conflicts = 0;
  for (let i = 0; i < samples; i++) {
    const accountId = probeAccounts[i % probeAccounts.length]!;
    const query = queryFor(accountId);
    const t0 = performance.now();
    const { head } = await store.read(query);
    const t1 = performance.now();
    try {
      await store.append([deposit(accountId, i)], { condition: { query, after: head } });
    } catch (error) {
      if (!(error instanceof AppendConditionError)) throw error;
      conflicts++;
    }
    const t2 = performance.now();
    totals.push(t2 - t0);
    reads.push(t1 - t0);
    appends.push(t2 - t1);
  }
  return {
    samples,
    storeEvents,
    p50: percentile(totals, 50),
    p99: percentile(totals, 99),
    appendP50: percentile(appends, 50),
    appendP99: percentile(appends, 99),
    readP50: percentile(reads, 50),
    readP99: percentile(reads, 99),
    conflicts,
  };
}
