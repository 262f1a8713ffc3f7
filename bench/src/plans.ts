/**
 * Plans that depend on statistics (issue 11, item 8). A store bulk-loaded with 1M events of ONE type (a tag per
 * account) and never analyzed, as a fresh store is after a bulk load, against the same store after ANALYZE:
 *
 * - the latency of a `types + tags` read (the decision read), by the store and by two raw prepared SELECTs: the
 *   WHERE text before this change (type criterion indexable) and the one `read()` now builds (type as a filter);
 * - the plan of each (which indexes it reads, custom and generic);
 * - an append guarded by a tags-only condition without a read (no head: the append function's planned check);
 * - read + conditional append on distinct keys, 8 clients, against raw single-row INSERTs in the same rounds.
 *
 * Target: the `types + tags` read on the never-analyzed store within 3× of its analyzed latency (p50).
 * Writes its section of docs/benchmarks.md (between `<!-- plans:start -->` and `<!-- plans:end -->`).
 *   DATABASE_URL=… pnpm --filter @tally/bench run bench:plans
 *   (BENCH_PLANS_EVENTS=1000000 BENCH_PLANS_ACCOUNTS=10000 BENCH_PLANS_SAMPLES=1000 BENCH_ROUNDS=3 BENCH_ROUND_MS=2000)
 */
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import pg from 'pg';
import { createEventStore, type Query } from '@tally/eventstore';
import { createBenchDatabase, machineInfo, type MachineInfo } from './db.js';
import { checkpoint, sqlOn } from './diagnostics.js';
import { accountTag, decisionTypes, deposit, type TallyBenchEvent } from './events.js';
import { describeError, formatRate, intEnv, percentile, runGroup, type GroupResult, type RoundPlan } from './measure.js';
import { createRawSchema, rawAppend } from './raw.js';
import { mdTable } from './tables.js';
import { tallyConditionalDistinct, type BenchStore } from './tally.js';
import { writeMarkedSection } from './doc-sections.js';

const schema = 'tally_plans';
const totalEvents = intEnv('BENCH_PLANS_EVENTS', 1_000_000);
const accounts = intEnv('BENCH_PLANS_ACCOUNTS', 10_000);
const samples = intEnv('BENCH_PLANS_SAMPLES', 1000);
const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 3), roundMs: intEnv('BENCH_ROUND_MS', 2000), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const targetRatio = 3;
const seedChunk = 200_000;
/** The slow readers run on every n-th sample only, so the never-analyzed phase stays within a few seconds. */
const slowEvery = 5;
const noHeadEvery = 20;

const log = (line: string) => console.log(line);
const seededType = 'MoneyDeposited';
const seededAccount = (n: number) => `plan-${n}`;

const labels = {
  store: 'tally read()',
  rawIndexable: 'raw SELECT, type criterion indexable (the WHERE text before this change)',
  rawFilter: "raw SELECT, type as a filter `(type || '') = ANY(…)` (read()'s WHERE text now)",
  noHead: 'append guarded by a tags-only condition, no read (no head)',
  checkExists: 'raw no-head check as the append function plans it: `EXISTS (SELECT 1 … WHERE tags @> $1)`, new tag',
  checkCte: 'raw no-head check, proposed: `EXISTS (WITH c AS MATERIALIZED (SELECT 1 … WHERE tags @> $1) SELECT 1 FROM c)`, new tag',
} as const;

const columns = 'position, transaction_id, id, type, data, tags, metadata, occurred_at';

/**
 * Raw statements, planned and timed beside the store (`params` of the sample's account and index). Reads run as
 * named prepared statements, as `read()` does; the checks unnamed, so each is planned for its values, as the append
 * function's `EXECUTE … USING` is.
 */
interface RawStatement {
  readonly label: string;
  readonly text: string;
  readonly every: number;
  readonly prepared: boolean;
  params(account: string, i: number): unknown[];
}

const readParams = (account: string) => [decisionTypes, [accountTag(account)]];
const newTagParams = (_account: string, i: number) => [[`account:check-${i}`]];
const rawStatements: RawStatement[] = [
  {
    label: labels.rawIndexable,
    text: `SELECT ${columns} FROM ${schema}.events WHERE type = ANY($1::text[]) AND tags @> $2::text[] ORDER BY position`,
    every: slowEvery,
    prepared: true,
    params: readParams,
  },
  {
    label: labels.rawFilter,
    text: `SELECT ${columns} FROM ${schema}.events WHERE (type || '') = ANY($1::text[]) AND tags @> $2::text[] ORDER BY position`,
    every: 1,
    prepared: true,
    params: readParams,
  },
  {
    label: labels.checkExists,
    text: `SELECT EXISTS (SELECT 1 FROM ${schema}.events e WHERE e.tags @> $1::text[])`,
    every: noHeadEvery,
    prepared: false,
    params: newTagParams,
  },
  {
    label: labels.checkCte,
    text: `SELECT EXISTS (WITH c AS MATERIALIZED (SELECT 1 FROM ${schema}.events e WHERE e.tags @> $1::text[]) SELECT 1 FROM c)`,
    every: 1,
    prepared: false,
    params: newTagParams,
  },
];

interface Sampler {
  readonly label: string;
  readonly every: number;
  run(i: number, account: string): Promise<unknown>;
}

interface LatencyRow {
  readonly label: string;
  readonly samples: number;
  readonly p50: number;
  readonly p99: number;
}

interface Phase {
  readonly name: string;
  readonly analyzed: boolean;
  readonly events: number;
  readonly latency: LatencyRow[];
  /** Statement label → plan mode → scans. */
  readonly plans: Record<string, Record<'custom' | 'generic', string[]>>;
  readonly conditional?: GroupResult;
  readonly error?: string;
}

/** 1M events of one type over `accounts` accounts (interleaved), with INSERT … SELECT; no ANALYZE. */
async function seed(url: string): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    for (let lo = 0; lo < totalEvents; lo += seedChunk) {
      const hi = Math.min(totalEvents, lo + seedChunk);
      await client.query(
        `INSERT INTO ${schema}.events (id, type, data, tags, metadata)
         SELECT gen_random_uuid(), '${seededType}',
                jsonb_build_object('accountId', 'plan-' || (g % ${accounts}), 'amount', 1 + g % 500, 'depositId', 'seed-' || g),
                ARRAY['account:plan-' || (g % ${accounts})], jsonb_build_object('correlationId', 'seed-' || g)
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [lo, hi - 1],
      );
      log(`  seeded ${hi.toLocaleString('en-US')} / ${totalEvents.toLocaleString('en-US')}`);
    }
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

/** Whether the planner has statistics of the events table (pg_statistic rows), and its row count. */
async function statsState(url: string): Promise<{ statistics: number; events: number }> {
  const { rows } = await sqlOn(
    url,
    `SELECT (SELECT count(*)::int FROM pg_statistic WHERE starelid = '${schema}.events'::regclass) AS statistics,
            (SELECT count(*)::int FROM ${schema}.events) AS events`,
  );
  return rows[0] as { statistics: number; events: number };
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const scansOf = (node: PlanNode): string[] => [
  ...(node['Index Name'] ? [node['Index Name']] : node['Node Type'] === 'Seq Scan' ? [`Seq Scan on ${node['Relation Name']}`] : []),
  ...(node.Plans ?? []).flatMap(scansOf),
];

const literal = (client: pg.Client, value: unknown): string =>
  client.escapeLiteral(Array.isArray(value) ? `{${value.map((v) => `"${String(v).replace(/["\\]/g, '\\$&')}"`).join(',')}}` : String(value));

/** The indexes (and sequential scans) of `statement`'s custom or generic plan. */
async function planScans(client: pg.Client, statement: CompiledQuery, mode: 'custom' | 'generic'): Promise<string[]> {
  await client.query(`SET plan_cache_mode = force_${mode}_plan`);
  await client.query(`PREPARE plan_probe AS ${statement.sql}`);
  try {
    const args = statement.parameters.length > 0 ? `(${statement.parameters.map((v) => literal(client, v)).join(', ')})` : '';
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE plan_probe${args}`);
    return scansOf(rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    await client.query('DEALLOCATE plan_probe');
    await client.query('RESET plan_cache_mode');
  }
}

const decisionQuery = (accountId: string): Query<TallyBenchEvent> => [{ types: decisionTypes, tags: [accountTag(accountId)] }];

/** The statement `store.read(query)` runs, captured from a logged Kysely instance through `store.with()`. */
async function storeReadStatement(url: string, store: BenchStore, query: Query<TallyBenchEvent>): Promise<CompiledQuery> {
  const logged: CompiledQuery[] = [];
  const db = new Kysely<object>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
    log: (event) => {
      if (event.level === 'query') logged.push(event.query);
    },
  });
  try {
    await store.with(db).read(query);
  } finally {
    await db.destroy();
  }
  const read = logged.find((s) => s.sql.includes('"events"'));
  if (!read) throw new Error(`store.with(db).read() logged no read statement (${logged.length} statements)`);
  return read;
}

async function runPhase(url: string, store: BenchStore, name: string, analyzed: boolean): Promise<Phase> {
  log(`\n## ${name}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const plans: Phase['plans'] = {};
  const latency: LatencyRow[] = [];
  let conditional: GroupResult | undefined;
  try {
    const state = await statsState(url);
    log(`  ${state.events.toLocaleString('en-US')} events, ${state.statistics} pg_statistic rows for ${schema}.events`);

    const probe = decisionQuery(seededAccount(42));
    const statements: Record<string, CompiledQuery> = {
      [labels.store]: await storeReadStatement(url, store, probe),
      ...Object.fromEntries(
        rawStatements.map((r) => [r.label, { sql: r.text, parameters: r.params(seededAccount(42), 0) } as unknown as CompiledQuery]),
      ),
    };
    for (const [label, statement] of Object.entries(statements)) {
      plans[label] = { custom: await planScans(client, statement, 'custom'), generic: await planScans(client, statement, 'generic') };
      log(`  plan of ${label}: custom ${plans[label]!.custom.join(' + ')}; generic ${plans[label]!.generic.join(' + ')}`);
    }

    const phaseTag = analyzed ? 'analyzed' : 'fresh';
    const samplers: Sampler[] = [
      { label: labels.store, every: 1, run: (_i, account) => store.read(decisionQuery(account)) },
      ...rawStatements.map((r, k) => ({
        label: r.label,
        every: r.every,
        run: (i: number, account: string) =>
          client.query({ ...(r.prepared ? { name: `plans_raw_${k}` } : {}), text: r.text, values: r.params(account, i) }),
      })),
      {
        label: labels.noHead,
        every: noHeadEvery,
        run: (i, _account) => {
          const accountId = `nohead-${phaseTag}-${i}`;
          return store.append([deposit(accountId, i)], { condition: { query: [{ tags: [accountTag(accountId)] }] } });
        },
      },
    ];
    const times = new Map<string, number[]>(samplers.map((s) => [s.label, []]));
    // A warm-up (prepared statements, caches), then the samples; the order of the readers rotates per sample.
    for (const s of samplers) {
      for (let i = 0; i < (s.every === 1 ? 20 : 1); i++) await s.run(-1 - i, seededAccount(accounts - 1 - i));
    }
    const started = performance.now();
    for (let i = 0; i < samples; i++) {
      const account = seededAccount((i * 7919) % accounts);
      for (let k = 0; k < samplers.length; k++) {
        const s = samplers[(i + k) % samplers.length]!;
        if (i % s.every !== 0) continue;
        const t0 = performance.now();
        await s.run(i, account);
        times.get(s.label)!.push(performance.now() - t0);
      }
    }
    log(`  ${samples} samples in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const s of samplers) {
      const values = times.get(s.label)!;
      const row = { label: s.label, samples: values.length, p50: percentile(values, 50), p99: percentile(values, 99) };
      latency.push(row);
      log(`  ${s.label}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms (${row.samples} samples)`);
    }

    // Read + conditional append on fresh accounts, 8 clients, against raw INSERTs; no ANALYZE between rounds.
    conditional = await runGroup(
      `plans-conditional-${phaseTag}`,
      `read + conditional append, 8 clients, ${name}`,
      [rawAppend(url, 8, 1), tallyConditionalDistinct(store, 8, `plans-${phaseTag}`)],
      plan,
      log,
    );
    const after = await statsState(url);
    if (!analyzed && after.statistics > 0) throw new Error(`${schema}.events got statistics during the never-analyzed phase`);
    return { name, analyzed, events: state.events, latency, plans, conditional };
  } catch (error) {
    log(`  FAILED: ${describeError(error)}`);
    return { name, analyzed, events: 0, latency, plans, ...(conditional ? { conditional } : {}), error: describeError(error) };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------- report

interface Results {
  readonly command: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly machine: MachineInfo;
  readonly seedSeconds: number;
  readonly phases: Phase[];
  readonly errors: string[];
}

const ms = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const latencyOf = (p: Phase | undefined, label: string) => p?.latency.find((r) => r.label === label);

function conditionalRates(p: Phase | undefined): { raw: number; tally: number; ratio: number } {
  const raw = p?.conditional?.results.find((r) => r.label === 'raw')?.rate ?? Number.NaN;
  const tally = p?.conditional?.results.find((r) => r.label !== 'raw')?.rate ?? Number.NaN;
  return { raw, tally, ratio: tally / raw };
}

function verdict(r: Results): { met: boolean | undefined; text: string } {
  const [fresh, analyzed] = r.phases;
  const a = latencyOf(fresh, labels.store)?.p50;
  const b = latencyOf(analyzed, labels.store)?.p50;
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) return { met: undefined, text: 'not measured' };
  const ratio = a / b;
  return { met: ratio <= targetRatio, text: `${ratio <= targetRatio ? 'met' : 'NOT met'}: p50 ${ms(a)} ms never analyzed vs ${ms(b)} ms analyzed = ${times(ratio)}` };
}

function renderMarkdown(r: Results): string {
  const m = r.machine;
  const [fresh, analyzed] = r.phases;
  const v = verdict(r);
  const readers = [labels.store, labels.rawIndexable, labels.rawFilter, labels.noHead, labels.checkExists, labels.checkCte];
  const latencyRows = readers.map((label) => {
    const a = latencyOf(fresh, label);
    const b = latencyOf(analyzed, label);
    return [label, ms(a?.p50), ms(a?.p99), ms(b?.p50), ms(b?.p99), times((a?.p50 ?? Number.NaN) / (b?.p50 ?? Number.NaN)), `${a?.samples ?? 0} / ${b?.samples ?? 0}`];
  });
  const planRows = Object.keys(fresh?.plans ?? {}).map((label) => {
    const cell = (p: Phase | undefined, mode: 'custom' | 'generic') => (p?.plans[label]?.[mode] ?? []).join(' + ') || 'n/a';
    return [label, cell(fresh, 'custom'), cell(fresh, 'generic'), cell(analyzed, 'custom'), cell(analyzed, 'generic')];
  });
  const c1 = conditionalRates(fresh);
  const c2 = conditionalRates(analyzed);
  const rounds = r.phases.flatMap((p) =>
    (p.conditional?.results ?? []).map((c) => `  - ${p.name}, ${c.label}: ${c.rates.map(formatRate).join(', ')}${c.error ? ` (failed: ${c.error})` : ''}`),
  );
  return `<!-- plans:start -->
## Plans on a never-analyzed store (issue 11, item 8)

<!-- Generated by bench/src/plans.ts: do not edit by hand. -->

- Command: \`${r.command}\`
- Date: ${r.startedAt.toISOString()} (took ${Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s)
- Machine: nproc ${m.cpus} (${m.cpuModel}), ${m.totalMemoryGiB} GiB RAM, shared and noisy (load average at start ${m.loadAverage.join(' / ')})
- PostgreSQL: ${m.postgres}; Node ${m.node}; ${Object.entries(m.settings).map(([k, s]) => `${k}=${s}`).join(', ')}
- **Target: a \`types + tags\` read on ${totalEvents.toLocaleString('en-US')} never-analyzed events of one type within ${targetRatio}× of its analyzed latency — ${v.text}**

### Method

One fresh database, \`tally_bench_<random>\`, dropped at the end; a store in schema \`${schema}\`, its tables with
\`autovacuum_enabled = off\`. ${totalEvents.toLocaleString('en-US')} events, all of type \`${seededType}\`, over
${accounts.toLocaleString('en-US')} accounts (~${Math.round(totalEvents / accounts)} events each, interleaved; tag \`account:<id>\`), are loaded with
\`INSERT … SELECT generate_series\` (in ${r.seedSeconds.toFixed(1)} s; the insert trigger fills \`event_tags\`) and **not analyzed**:
the planner has no statistics of the table. Everything is measured once so, then again after \`ANALYZE\`.

- **Read latency** (1 client, ${samples} samples, one account per sample): \`read([{ types: [AccountOpened, MoneyDeposited,
  MoneyWithdrawn], tags: ['account:<id>'] }])\` (~${Math.round(totalEvents / accounts)} events), by the store (its prepared statement), and by a raw
  \`pg\` prepared \`SELECT … WHERE <types> AND tags @> … ORDER BY position\` with the type criterion written as before this
  change (indexable; every ${slowEvery}th sample) and as \`read()\` writes it now for tagged items (\`(type || '') = ANY(…)\`, a filter on the tag's events).
  The no-head row: \`append([event], { condition: { query: [{ tags: ['account:<new id>'] }] } })\` without \`after\` on a new tag
  (every ${noHeadEvery}th sample); its check is the append function's planned SQL (\`EXECUTE … USING\`, planned for its values, so
  the custom plan is the one that runs). The two raw check rows time that check alone on a new tag (no match, so it reads
  everything its plan selects), as unnamed statements planned for their values like \`EXECUTE … USING\`: as the append
  function writes it (every ${noHeadEvery}th sample), and as a materialized CTE, which PostgreSQL plans for full retrieval
  instead of for the first row.
- **Plans**: \`EXPLAIN (FORMAT JSON)\` of each statement for account \`plan-42\`, custom (planned for the values) and generic
  (as a prepared statement may switch to after five runs; \`plan_cache_mode\` forced); the store's statement is captured
  through \`store.with(kysely).read()\`.
- **Read + conditional append**: 8 clients, each on its own 100 fresh accounts (read, then append guarded by the head),
  against raw single-row INSERTs (8 connections) in the same interleaved rounds: ${plan.rounds} rounds of ${plan.roundMs / 1000} s; median of rounds.

### Latency (ms)

${mdTable(['reader', 'never analyzed p50', 'p99', 'analyzed p50', 'p99', 'p50 never / analyzed', 'samples'], latencyRows)}

### Plans (indexes read)

${mdTable(['statement', 'never analyzed, custom', 'never analyzed, generic', 'analyzed, custom', 'analyzed, generic'], planRows)}

### Read + conditional append (1 event, 8 clients, distinct keys)

${mdTable(
  ['store', 'raw INSERT events/s', 'read + conditional append events/s', '× raw'],
  [
    [`never analyzed (${(fresh?.events ?? 0).toLocaleString('en-US')} events)`, formatRate(c1.raw), formatRate(c1.tally), times(c1.ratio)],
    [`analyzed (${(analyzed?.events ?? 0).toLocaleString('en-US')} events)`, formatRate(c2.raw), formatRate(c2.tally), times(c2.ratio)],
  ],
)}

Rounds (events/s):
${rounds.join('\n')}
${r.errors.length ? `\n**Errors**: ${r.errors.join('; ')}\n` : ''}<!-- plans:end -->
`;
}


function commandLine(): string {
  const env: string[] = [];
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    if (url.password) url.password = '***';
    env.push(`DATABASE_URL=${url.toString()}`);
  }
  for (const name of ['BENCH_PLANS_EVENTS', 'BENCH_PLANS_ACCOUNTS', 'BENCH_PLANS_SAMPLES', 'BENCH_ROUNDS', 'BENCH_ROUND_MS', 'BENCH_WARMUP_MS']) {
    if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  }
  return [...env, 'pnpm --filter @tally/bench run bench:plans'].join(' ');
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const db = await createBenchDatabase();
  process.once('SIGINT', () => void db.drop().finally(() => process.exit(130)));
  log(`plans bench on database ${db.name} (${db.backend})`);
  const store: BenchStore = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10, schema });
  const errors: string[] = [];
  const phases: Phase[] = [];
  let seedSeconds = Number.NaN;
  let machine: MachineInfo | undefined;
  try {
    machine = await machineInfo(db);
    await store.migrate();
    await createRawSchema(db.url);
    await sqlOn(db.url, `ALTER TABLE ${schema}.events SET (autovacuum_enabled = off); ALTER TABLE ${schema}.event_tags SET (autovacuum_enabled = off)`);
    seedSeconds = await seed(db.url);
    log(`seeded in ${seedSeconds.toFixed(1)} s`);
    await checkpoint(db.url);
    phases.push(await runPhase(db.url, store, 'never analyzed', false));
    await sqlOn(db.url, `ANALYZE ${schema}.events, ${schema}.event_tags, raw.events`);
    await checkpoint(db.url);
    phases.push(await runPhase(db.url, store, 'after ANALYZE', true));
    for (const p of phases) if (p.error) errors.push(`${p.name}: ${p.error}`);
  } catch (error) {
    errors.push(describeError(error));
    console.error(error);
  } finally {
    await store.close().catch(() => {});
    await db.drop().catch((error: unknown) => console.error(`drop failed: ${describeError(error)}`));
  }
  if (!machine) throw new Error(errors.join('; ') || 'no machine info');
  const results: Results = { command: commandLine(), startedAt, finishedAt: new Date(), machine, seedSeconds, phases, errors };
  const v = verdict(results);
  log(`\nTarget (types + tags read, never analyzed within ${targetRatio}× of analyzed): ${v.text}`);
  const [fresh, analyzed] = phases;
  log(`read + conditional append vs raw, 8 clients: never analyzed ${times(conditionalRates(fresh).ratio)}, analyzed ${times(conditionalRates(analyzed).ratio)}`);
  await writeMarkedSection('plans', renderMarkdown(results));
  log('wrote docs/benchmarks.md (plans section)');
  if (errors.length > 0 || v.met === false) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
