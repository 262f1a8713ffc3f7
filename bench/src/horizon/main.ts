/**
 * Benchmark of the settled horizon (issue 11): commit-to-handler latency of one `@tally/eventstream`
 * subscription at a steady 500 single-event appends/s, in three cases run one after the other in one process,
 * on one fresh database (dropped at the end):
 *
 *   a. baseline: nothing else open;
 *   b. a write transaction idle in transaction, holding an xid, in ANOTHER database of the same server
 *      (a scratch database, dropped at the end) for the whole measurement;
 *   c. the same in the store's OWN database, never appending: followers wait for it at most horizonGraceMs.
 *
 * Prints a table and writes docs/benchmarks.md between `<!-- horizon:start -->` and `<!-- horizon:end -->`.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:horizon
 *
 * BENCH_HORIZON_WINDOW_MS (default 60000) sets the measurement window of each case. BENCH_HORIZON_CONTRAST may
 * name a JSON file of {@link ContrastRecord} (the same scenario run by a script of its own against a build of
 * an older commit); its figures are shown in a section of their own, with the command and date they came from.
 */
import { readFile } from 'node:fs/promises';
import { createEventStore, type NewEvent } from '@tally/eventstore';
import { createEventStream } from '@tally/eventstream';
import pg from 'pg';
import { createBenchDatabase, machineInfo, type MachineInfo } from '../db.js';
import { deposit, type TallyBenchEvent } from '../events.js';
import { describeError, formatRate, intEnv, median } from '../measure.js';
import { mdTable, textTable } from '../tables.js';
import { waitUntil, type LatencyResult } from '../eventstream/common.js';
import { runCase, type CaseResult, type Follower, type HolderKind } from './scenario.js';
import { writeMarkedSection } from '../doc-sections.js';
import { revision } from '../revision.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const rate = 500;
const windowMs = intEnv('BENCH_HORIZON_WINDOW_MS', 60_000);
const drainMs = 5_000;
/** The store's default horizonGraceMs (the bench does not set it). */
const graceMs = 5_000;
const schema = 'tally_horizon';
/** When the oldest undelivered event has waited this long (outside case c's grace), what runs on the server is recorded. */
const watchAfterMs = 1000;
const selected = (process.env.BENCH_HORIZON_CASES ?? 'a,b,c').split(',').map((x) => x.trim());
/** Rounds of a, b, c (interleaved: a b c a b c …); figures are medians over them. */
const roundCount = intEnv('BENCH_HORIZON_ROUNDS', 1);

const log = (line: string) => console.log(line);

interface CaseSpec {
  readonly key: 'a' | 'b' | 'c';
  readonly label: string;
  readonly holder: HolderKind;
  /** Per metric, the median over the rounds (counts summed); the one round itself when there is one. */
  result?: CaseResult;
  readonly rounds: CaseResult[];
  error?: string;
}

/** The contrast file: one case run against another build (see the module comment). */
export interface ContrastRecord {
  readonly label: string;
  readonly command: string;
  readonly startedAt: string;
  readonly loadAverage: readonly number[];
  readonly windowMs: number;
  readonly result: CaseResult;
}

function tallyDeposit(account: string, n: number): NewEvent<TallyBenchEvent> {
  const event = deposit(account, n);
  return { id: event.data.depositId, type: event.type, data: event.data, tags: event.tags, metadata: event.metadata };
}

/**
 * The appender and the subscription use two store instances (two pools of 10), as a writing service and a
 * following service would. With one shared pool (BENCH_HORIZON_SHARED_POOL=1), appends that back up on a
 * loaded server also queue the subscription's settle and read calls behind them, one batch per wait.
 */
const sharedPool = process.env.BENCH_HORIZON_SHARED_POOL === '1';

function tallyFollower(url: string): Follower {
  const writer = createEventStore<TallyBenchEvent>({ connectionString: url, schema, maxConnections: 10 });
  const store = sharedPool ? writer : createEventStore<TallyBenchEvent>({ connectionString: url, schema, maxConnections: 10 });
  const stream = createEventStream({ store, connectionString: url });
  stream.on('error', (error) => log(`  stream error: ${describeError(error)}`));
  return {
    append: async (i) => {
      const event = tallyDeposit(`hz-${i < 0 ? 'warm' : i % 1000}`, Math.abs(i));
      await writer.append([event]);
      return event.id!;
    },
    subscribe: async (onEvents) => {
      const sub = stream.subscribe({ after: 'end', batchSize: 100, maxWaitMs: 0 }, (batch) => onEvents(batch.map((e) => e.id)));
      sub.on('error', (error) => log(`  subscription error: ${describeError(error)}`));
      if (!(await waitUntil(() => sub.checkpoint !== undefined && stream.listening, 5000))) throw new Error('subscription did not start within 5 s');
    },
    horizon: async () => {
      const h = await store.horizon();
      return {
        blockers: h.blockers.map((b) => `${b.reason} (database ${b.database ?? '?'}, ${b.applicationName || 'no application_name'}, ${b.state ?? '?'})`),
        unsettledEvents: h.unsettledEvents,
      };
    },
    onStalled: (listener) => stream.on('stalled', (info) => listener(info.blockers.map((b) => `${b.reason}@${b.database ?? '?'}`))),
    close: async () => {
      await stream.close();
      await store.close();
      if (writer !== store) await writer.close();
    },
  };
}

// ---------------------------------------------------------------- report

const med = (xs: readonly number[]): number => median(xs.filter((x) => Number.isFinite(x)));
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

function combineLatency(ls: readonly LatencyResult[]): LatencyResult {
  return {
    appended: sum(ls.map((l) => l.appended)),
    failedAppends: sum(ls.map((l) => l.failedAppends)),
    appendRate: med(ls.map((l) => l.appendRate)),
    delivered: sum(ls.map((l) => l.delivered)),
    undelivered: sum(ls.map((l) => l.undelivered)),
    seenBeforeResolve: sum(ls.map((l) => l.seenBeforeResolve)),
    p50: med(ls.map((l) => l.p50)),
    p99: med(ls.map((l) => l.p99)),
    max: med(ls.map((l) => l.max)),
  };
}

/** Medians of the rounds' latencies and times, sums of their counts. */
function combine(rs: readonly CaseResult[]): CaseResult {
  if (rs.length === 1) return rs[0]!;
  const releases = rs.flatMap((r) => (r.release ? [r.release] : []));
  return {
    all: combineLatency(rs.map((r) => r.all)),
    withinGrace: combineLatency(rs.map((r) => r.withinGrace)),
    afterGrace: combineLatency(rs.map((r) => r.afterGrace)),
    afterBacklog: combineLatency(rs.map((r) => r.afterBacklog)),
    backlogDeliveredMs: med(rs.map((r) => r.backlogDeliveredMs)),
    deliveredInWindow: sum(rs.map((r) => r.deliveredInWindow)),
    appendedInWindow: sum(rs.map((r) => r.appendedInWindow)),
    undeliveredWithHolder: sum(rs.map((r) => r.undeliveredWithHolder)),
    duplicates: sum(rs.map((r) => r.duplicates)),
    firstDeliveryMs: med(rs.map((r) => r.firstDeliveryMs)),
    release: releases.length === 0 ? undefined : { undelivered: sum(releases.map((x) => x.undelivered)), ms: med(releases.map((x) => x.ms)) },
    probes: [],
    stalls: rs.flatMap((r) => r.stalls),
    timeline: [],
    watch: [],
  };
}

/** The median row of each case, then (with several rounds) one row per round. */
function caseRows(cases: readonly CaseSpec[]): string[][] {
  return cases.flatMap((x) => {
    const label = `${x.key}. ${x.label}`;
    if (!x.result) return [[label, 'FAILED', x.error ?? '', '', '', '', '', '', '', '']];
    if (x.rounds.length === 1) return [mainRow(label, x.result, x.holder !== 'none')];
    return [
      mainRow(`${label}: median of ${x.rounds.length} rounds (counts summed)`, x.result, x.holder !== 'none'),
      ...x.rounds.map((r, i) => mainRow(`${x.key}, round ${i + 1}`, r, x.holder !== 'none')),
    ];
  });
}

const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const int = (x: number): string => x.toLocaleString('en-US');
const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

const mainHead = ['case', 'appends/s', 'p50 ms', 'p99 ms', 'max ms', 'delivered / appended', 'lost', 'duplicated', 'delivered during the window', 'first delivery after BEGIN ms'];

function mainRow(label: string, r: CaseResult, holder: boolean): string[] {
  return [
    label,
    formatRate(r.all.appendRate),
    ms(r.all.p50),
    ms(r.all.p99),
    ms(r.all.max),
    `${int(r.all.delivered)} / ${int(r.all.appended)}`,
    int(r.undeliveredWithHolder),
    int(r.duplicates),
    `${int(r.deliveredInWindow)} / ${int(r.appendedInWindow)}`,
    holder ? ms(r.firstDeliveryMs) : '',
  ];
}

const splitHead = ['case, appends', 'appended', 'p50 ms', 'p99 ms', 'max ms', 'p50 × baseline', 'p99 × baseline'];

function splitRow(label: string, l: LatencyResult, base: LatencyResult | undefined): string[] {
  return [label, int(l.appended), ms(l.p50), ms(l.p99), ms(l.max), times(l.p50 / (base?.p50 ?? Number.NaN)), times(l.p99 / (base?.p99 ?? Number.NaN))];
}

function splitRows(c: CaseResult, a: CaseResult | undefined): string[][] {
  return [
    splitRow(`c, resolved within ${graceMs / 1000} s of the holder's BEGIN`, c.withinGrace, a?.all),
    splitRow(`c, resolved later than ${graceMs / 1000} s after it`, c.afterGrace, a?.all),
    splitRow(`c, resolved after the held-back backlog was delivered (${ms(c.backlogDeliveredMs)} ms after BEGIN)`, c.afterBacklog, a?.all),
  ];
}

interface Target {
  readonly text: string;
  readonly met: boolean;
  readonly detail: string;
}

function targets(cases: readonly CaseSpec[]): Target[] {
  const [a, b, c] = cases.map((x) => x.result);
  const complete = (r: CaseResult | undefined) => r !== undefined && r.undeliveredWithHolder === 0 && r.duplicates === 0 && r.all.failedAppends === 0;
  const limit = graceMs + 25;
  return [
    {
      text: 'b (other database) p99 ≤ 25 ms',
      met: b !== undefined && b.all.p99 <= 25,
      detail: b ? `p99 ${ms(b.all.p99)} ms (baseline ${ms(a?.all.p99)} ms, ${times(b.all.p99 / (a?.all.p99 ?? Number.NaN))}); p50 ${ms(b.all.p50)} ms vs ${ms(a?.all.p50)} ms` : 'not measured',
    },
    {
      text: `c (same database, never appends) p99 ≤ horizonGraceMs + 25 ms = ${int(limit)} ms`,
      met: c !== undefined && c.all.p99 <= limit,
      detail: c ? `p99 ${ms(c.all.p99)} ms, max ${ms(c.all.max)} ms (first delivery ${ms(c.firstDeliveryMs)} ms after the holder's BEGIN)` : 'not measured',
    },
    {
      text: 'c, appends after the grace: p99 ≤ 25 ms, as the baseline',
      met: c !== undefined && c.afterGrace.p99 <= 25,
      detail: c ? `p50 ${ms(c.afterGrace.p50)} ms / p99 ${ms(c.afterGrace.p99)} ms vs baseline ${ms(a?.all.p50)} / ${ms(a?.all.p99)} ms` : 'not measured',
    },
    {
      text: 'every case: every event delivered once, with the holder still open',
      met: complete(a) && complete(b) && complete(c),
      detail: cases.map((x) => `${x.key}: ${x.result ? `${x.result.undeliveredWithHolder} lost, ${x.result.duplicates} duplicated, ${x.result.all.failedAppends} failed appends` : 'not measured'}`).join('; '),
    },
  ];
}


function commandLine(): string {
  const env: string[] = [];
  const url = new URL(process.env.DATABASE_URL!);
  if (url.password) url.password = '***';
  env.push(`DATABASE_URL=${url.toString()}`);
  for (const name of ['BENCH_HORIZON_WINDOW_MS', 'BENCH_HORIZON_ROUNDS', 'BENCH_HORIZON_CASES', 'BENCH_HORIZON_SHARED_POOL', 'BENCH_HORIZON_CONTRAST']) if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  return [...env, 'pnpm --filter @tally/bench run bench:horizon'].join(' ');
}

function notes(cases: readonly CaseSpec[]): string[] {
  const out: string[] = [];
  for (const c of cases) for (const [i, r] of c.rounds.entries()) {
    const key = c.rounds.length === 1 ? c.key : `${c.key}, round ${i + 1}`;
    if (r.holderXid) out.push(`${key}: holder xid ${r.holderXid} in database \`${r.holderDatabase}\`, idle in transaction from before the first append to after the drain.`);
    for (const p of r.probes) {
      const counts = new Map<string, number>();
      for (const b of p.blockers) counts.set(b, (counts.get(b) ?? 0) + 1);
      const blockers = [...counts].map(([b, n]) => (n > 1 ? `${n}× ${b}` : b)).join('; ');
      out.push(
        `${key}: \`store.horizon()\` ${p.atMs / 1000} s after ${c.holder === 'none' ? 'the window began' : "the holder's BEGIN"}: ` +
          `${p.blockers.length === 0 ? 'no blockers' : `blockers: ${blockers}`}; ${int(p.unsettledEvents)} unsettled events.`,
      );
    }
    out.push(`${key}: ${r.stalls.length === 0 ? "no 'stalled' event" : `'stalled' ${r.stalls.length}× (${r.stalls.map((s) => s.join(', ')).join(' | ')})`}.`);
    out.push(
      `${key}, each 5 s of the window: max commit-to-handler latency ${r.timeline.map((t) => ms(t.max)).join(', ')} ms; ` +
        `max append time (issued to resolved) ${r.timeline.map((t) => ms(t.appendMax)).join(', ')} ms; most appends in flight ${r.timeline.map((t) => t.maxInFlight).join(', ')}.`,
    );
    // Case c's grace is expected to hold events back; record only what happened outside it.
    const late = r.watch.filter((w) => !(c.holder === 'same-database' && w.atMs < graceMs + 1000));
    for (const w of late.slice(0, 3)) {
      out.push(
        `${key}: at ${(w.atMs / 1000).toFixed(1)} s the oldest undelivered event had waited ${ms(w.waitedMs)} ms; non-idle sessions on the server then: ` +
          (w.rows.length === 0 ? 'none' : w.rows.map((x) => `\`${x}\``).join('; ')),
      );
    }
    if (late.length > 3) out.push(`${key}: ${late.length - 3} more such records.`);
  }
  return out;
}

function contrastSection(x: ContrastRecord, cases: readonly CaseSpec[]): string[] {
  const r = x.result;
  const now = cases.find((c) => c.key === 'b')?.result;
  const rows = [mainRow(`${x.label}`, r, true)];
  if (now) rows.push(mainRow('b on this commit (this run)', now, true));
  return [
    '',
    `### Contrast: case b before issue 11`,
    '',
    `A separate run, ${x.startedAt} (load average at start ${x.loadAverage.join(' / ')}), of the same scenario (\`bench/src/horizon/scenario.ts\`, ` +
      `window ${x.windowMs / 1000} s) against a build of the code before issue 11, with: \`${x.command}\`. ` +
      `There the horizon was \`pg_snapshot_xmin\` of the whole server, so the other database's transaction stalls the subscription until it ends.`,
    '',
    mdTable(mainHead, rows),
    '',
    r.release
      ? `After the holder ended (ROLLBACK after the ${drainMs / 1000} s drain): ${int(r.all.appended - r.release.undelivered)} of ${int(r.all.appended)} delivered, ${int(r.release.undelivered)} still missing, ${ms(r.release.ms)} ms after the ROLLBACK.`
      : 'Nothing was left undelivered when the holder ended.',
  ];
}

function markdown(startedAt: Date, finishedAt: Date, m: MachineInfo | undefined, cases: readonly CaseSpec[], contrast: ContrastRecord | undefined, errors: readonly string[]): string {
  const [a, , c] = cases.map((x) => x.result);
  const rows = caseRows(cases);
  const lines = [
    '<!-- horizon:start -->',
    '## Settled horizon: a subscription beside an open transaction (issue 11)',
    '',
    '<!-- Generated by bench/src/horizon/main.ts: do not edit by hand. -->',
    '',
    `- Command: \`${commandLine()}\``,
    `- Date: ${startedAt.toISOString()} (took ${Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000)} s)`,
    `- Commit: ${revision()}`,
    m
      ? `- Machine: nproc ${m.cpus} (${m.cpuModel}), ${m.totalMemoryGiB} GiB RAM, shared and noisy (load average at start ${m.loadAverage.join(' / ')}); PostgreSQL and the benchmark on the same 2 cores`
      : '- Machine: 2 cores, shared and noisy',
    ...(m ? [`- PostgreSQL: ${m.postgres}; Node ${m.node}; ${Object.entries(m.settings).map(([k, s]) => `${k}=${s}`).join(', ')}`] : []),
    '',
    '### Targets',
    '',
    ...targets(cases).map((x) => `- ${x.text}: **${x.met ? 'met' : 'NOT met'}** (${x.detail})`),
    '',
    '### Method',
    '',
    `One fresh database \`tally_bench_<random>\` (the store in schema \`${schema}\`, defaults: \`notify: 'after-commit'\`, \`horizonGraceMs\` ${graceMs}; ` +
      `stream defaults: poll 1000 ms, \`stallThresholdMs\` 10 s) and, for case b, a scratch database on the same server; both dropped at the end. ` +
      `The three cases run one after the other in one process, each with fresh store instances, stream and subscription (\`after: 'end'\`, batchSize 100, maxWaitMs 0), 20 warm-up appends first. ` +
      `One appender issues one single-event append every ${1000 / rate} ms on a timer for ${windowMs / 1000} s (several may be in flight); ` +
      'the commit time is when `append` resolves, the delivery time is `performance.now()` in the handler.',
    '',
    sharedPool
      ? '- The appender and the subscription share one store instance (one pool of 10; BENCH_HORIZON_SHARED_POOL=1).'
      : '- The appender and the subscription use **two store instances** of the same store (a pool of 10 each), as a writing and a following service would: ' +
        "with one shared pool, appends that back up on a loaded server queue the subscription's settle and read calls behind them too (`BENCH_HORIZON_SHARED_POOL=1` runs it so).",
    '- **b**: a `pg` connection to the scratch database runs `BEGIN; CREATE TEMP TABLE x (i int); INSERT INTO x VALUES (1); SELECT pg_current_xact_id()` and stays idle in transaction.',
    '- **c**: a `pg` connection to the store\'s database runs `BEGIN; SELECT pg_current_xact_id()` and stays idle in transaction; it never appends.',
    `- The holder begins right before the first append and ends (ROLLBACK) only after the drain: after the last append the run waits up to ${drainMs / 1000} s for every event, **with the holder still open**; ` +
      "'lost' is what was not delivered by then. 'Delivered during the window' counts events delivered before the last append resolved.",
    `- "Within / after the grace" splits case c's appends by whether they resolved within ${graceMs / 1000} s of the holder's BEGIN (the client's clock, taken just before BEGIN was sent). ` +
      'The events held back during the grace are then delivered in batches of 100 while appends continue, so the first appends after the grace queue behind that backlog; ' +
      'the last row leaves them out: appends that resolved after the last held-back event was delivered.',
    '',
    `### Commit-to-handler latency, ${rate} appends/s for ${windowMs / 1000} s per case`,
    '',
    ...(roundCount > 1
      ? [`${roundCount} rounds, interleaved (a, b, c, a, b, c, …); each case's first row gives per metric the median of its rounds (counts summed), the targets use it.`, '']
      : []),
    mdTable(mainHead, rows),
    '',
    '### Case c split at the grace',
    '',
    mdTable(
      splitHead,
      [
        ...(a ? [splitRow('a. baseline, all', a.all, a.all)] : []),
        ...(c ? splitRows(c, a) : []),
      ],
    ),
    '',
    '### Notes',
    '',
    ...notes(cases).map((n) => `- ${n}`),
    ...errors.map((e) => `- Error: ${e}`),
    ...(contrast ? contrastSection(contrast, cases) : []),
    '<!-- horizon:end -->',
  ];
  return `${lines.join('\n')}\n`;
}


function printCase(key: string, r: CaseResult): void {
  log(
    `  ${key}: ${formatRate(r.all.appendRate)} appends/s, p50 ${ms(r.all.p50)} ms, p99 ${ms(r.all.p99)} ms, max ${ms(r.all.max)} ms, ` +
      `delivered ${int(r.all.delivered)} / ${int(r.all.appended)} (during the window ${int(r.deliveredInWindow)}), lost ${r.undeliveredWithHolder}, duplicated ${r.duplicates}`,
  );
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const cases: CaseSpec[] = [
    { key: 'a', label: 'baseline (nothing else open)', holder: 'none', rounds: [] },
    { key: 'b', label: 'write transaction idle in ANOTHER database', holder: 'other-database', rounds: [] },
    { key: 'c', label: 'write transaction idle in the SAME database, never appends', holder: 'same-database', rounds: [] },
  ];
  const errors: string[] = [];
  const contrastFile = process.env.BENCH_HORIZON_CONTRAST;
  const contrast = contrastFile ? (JSON.parse(await readFile(contrastFile, 'utf8')) as ContrastRecord) : undefined;
  const db = await createBenchDatabase();
  const scratchName = `${db.name}_scratch`;
  const scratchUrl = (() => {
    const u = new URL(db.url);
    u.pathname = `/${scratchName}`;
    return u.toString();
  })();
  const admin = new pg.Client({ connectionString: db.url });
  process.once('SIGINT', () => void db.drop().finally(() => process.exit(130)));
  log(`horizon bench on database ${db.name} (server: ${db.backend}), scratch database ${scratchName}, window ${windowMs / 1000} s per case`);
  let machine: MachineInfo | undefined;
  try {
    machine = await machineInfo(db);
    await admin.connect();
    await admin.query(`CREATE DATABASE ${scratchName}`);
    const setup = createEventStore<TallyBenchEvent>({ connectionString: db.url, schema });
    await setup.migrate();
    await setup.close();
    for (let round = 1; round <= roundCount; round++) for (const spec of cases) {
      if (!selected.includes(spec.key)) continue;
      log(`\n## ${spec.key}. ${spec.label}${roundCount > 1 ? `, round ${round} of ${roundCount}` : ''}`);
      try {
        const result = await runCase(tallyFollower(db.url), {
          holder: spec.holder,
          holderUrl: spec.holder === 'other-database' ? scratchUrl : db.url,
          rate,
          windowMs,
          drainMs,
          graceMs,
          releaseWaitMs: 10_000,
          watchUrl: db.url,
          watchAfterMs: watchAfterMs,
          log,
        });
        spec.rounds.push(result);
        printCase(spec.key, result);
      } catch (error) {
        spec.error = describeError(error);
        errors.push(`${spec.key}, round ${round}: ${spec.error}`);
        log(`  FAILED: ${spec.error}`);
      }
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`).catch((error: unknown) => log(`  could not drop ${scratchName}: ${describeError(error)}`));
    await admin.end().catch(() => {});
    await db.drop();
  }
  for (const spec of cases) if (spec.rounds.length > 0) spec.result = combine(spec.rounds);
  const finishedAt = new Date();
  const a = cases[0]!.result;
  const c = cases[2]!.result;
  log('');
  log(`Commit-to-handler latency, ${rate} appends/s for ${windowMs / 1000} s per case`);
  log(textTable(mainHead, caseRows(cases)));
  if (c) {
    log('');
    log('Case c split at the grace');
    log(textTable(splitHead, [...(a ? [splitRow('a. baseline, all', a.all, a.all)] : []), ...splitRows(c, a)]));
  }
  log('');
  for (const n of notes(cases)) log(`  ${n}`);
  log('');
  log('Targets');
  for (const x of targets(cases)) log(`  ${x.met ? 'met    ' : 'NOT met'}  ${x.text} (${x.detail})`);
  const path = await writeMarkedSection('horizon', markdown(startedAt, finishedAt, machine, cases, contrast, errors));
  log(`\nWrote ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
