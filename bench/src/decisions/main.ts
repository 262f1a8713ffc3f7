/**
 * Issue 12's benchmark: decisions through `@tally/decisions`' `handle()`.
 *
 * 1. One hot account, 8 clients: `handle()` in `optimistic` and `locked` mode with a handler per client (they meet
 *    in the database), one shared handler (its in-process lane), the hand-written read + conditional append, and
 *    Emmett's hot stream (read the stream, append with the expected version, retry on conflict), interleaved rounds.
 * 2. Distinct keys, 8 clients: `handle()` against the hand-written read + conditional append (../tally.ts).
 * 3. Sequential `handle()` latency on a 10,000-event aggregate with snapshots (every 100), against 10 events, and
 *    10,000 events without snapshots.
 *
 * `pnpm --filter @tally/bench run bench:decisions`. Prints a table and writes docs/benchmarks.md between
 * `<!-- decisions:start -->` and `<!-- decisions:end -->`. `BENCH_DECISIONS_ONLY=distinct` (or `hot`) runs only
 * that group and prints it, without touching docs/benchmarks.md (a focused run while tuning `handle()`).
 */
import os from 'node:os';
import { createEventStore } from '@tally/eventstore';
import { createBenchDatabase, machineInfo, type MachineInfo } from '../db.js';
import { analyzeAppendTables } from '../diagnostics.js';
import type { TallyBenchEvent } from '../events.js';
import { formatRate, intEnv, runGroup, type Contender, type GroupResult, type RoundPlan } from '../measure.js';
import { mdTable, textTable } from '../tables.js';
import { tallyConditionalDistinct, tallyConditionalHot, type BenchStore } from '../tally.js';
import { EmmettHotPeer } from './emmett-hot.js';
import { bigEvents, runLatency, smallEvents, snapshotEvery, summarize, type LatencySummary } from './latency.js';
import { distinctHandle, distinctHandWrittenWithIds, hotHandle, type RoundCheck } from './tally-decisions.js';
import { writeMarkedSection } from '../doc-sections.js';
import { revision } from '../revision.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 5), roundMs: intEnv('BENCH_ROUND_MS', 2000), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const clients = 8;
const samples = intEnv('BENCH_DECISION_SAMPLES', 200);
const latencyWarmup = 5;
/** `distinct` or `hot`: only that group, printed and not written to docs/benchmarks.md. */
const only = process.env.BENCH_DECISIONS_ONLY;
if (only !== undefined && only !== 'distinct' && only !== 'hot') {
  throw new Error(`BENCH_DECISIONS_ONLY must be 'distinct' or 'hot' (or unset), not ${JSON.stringify(only)}`);
}
const schema = 'tally';
const log = (line: string) => console.log(line);

const L = {
  emmett: 'emmett: readStream + appendToStream(expectedStreamVersion), retry on conflict',
  optOwn: 'tally handle(), optimistic, a handler per client',
  lockedOwn: 'tally handle(), locked, a handler per client',
  optShared: 'tally handle(), optimistic, one shared handler (lane)',
  lockedShared: 'tally handle(), locked, one shared handler (lane)',
  handHot: 'tally hand-written read + conditional append, retry at once',
  handDistinct: 'tally hand-written read + conditional append',
  handDistinctIds: 'tally hand-written, each event given an id (uuidv7, as a decision choosing its ids sends)',
  optDistinct: 'tally handle(), optimistic, one handler',
  lockedDistinct: 'tally handle(), locked, one handler',
} as const;

function commandLine(): string {
  const env: string[] = [];
  const url = new URL(process.env.DATABASE_URL!);
  if (url.password) url.password = '***';
  env.push(`DATABASE_URL=${url.toString()}`);
  for (const name of ['BENCH_ROUNDS', 'BENCH_ROUND_MS', 'BENCH_WARMUP_MS', 'BENCH_DECISION_SAMPLES', 'BENCH_DECISIONS_ONLY']) if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  return [...env, 'pnpm --filter @tally/bench run bench:decisions'].join(' ');
}


const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const x = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
const rateOf = (g: GroupResult, label: string) => g.results.find((r) => r.label === label);
/** The ratios of two contenders' rates round by round (rounds are interleaved, so each pair ran close in time). */
function roundRatios(a: { rates: number[] }, b: { rates: number[] }): string {
  const ratios = a.rates.map((rate, i) => rate / b.rates[i]!).filter(Number.isFinite).sort((p, q) => p - q);
  if (ratios.length === 0) return 'n/a';
  const m = ratios.length >> 1;
  const median = ratios.length % 2 ? ratios[m]! : (ratios[m - 1]! + ratios[m]!) / 2;
  return `per round ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}×, median ${median.toFixed(2)}×`;
}

interface Target {
  readonly text: string;
  readonly met: boolean;
  readonly detail: string;
}

interface Results {
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly loadAtStart: string;
  readonly loadAtEnd: string;
  readonly machine: MachineInfo;
  readonly hot: GroupResult;
  readonly distinct: GroupResult;
  readonly latency: LatencySummary[];
  readonly notes: string[];
}

function targets(r: Results): Target[] {
  const emmett = rateOf(r.hot, L.emmett);
  const locked = rateOf(r.hot, L.lockedOwn);
  const lockedShared = rateOf(r.hot, L.lockedShared);
  const hand = rateOf(r.distinct, L.handDistinct);
  const opt = rateOf(r.distinct, L.optDistinct);
  const out: Target[] = [];
  if (emmett && locked) {
    const ratio = locked.rate / emmett.rate;
    out.push({
      text: `1. Hot key, 8 clients, \`locked\` (a handler per client) ≥ 2× Emmett's hot stream, 0 conflicts`,
      met: ratio >= 2 && locked.conflictRate === 0 && Math.max(...locked.conflictRates) === 0,
      detail: `${formatRate(locked.rate)} vs ${formatRate(emmett.rate)} decisions/s = ${x(locked.rate, emmett.rate)} (${roundRatios(locked, emmett)}); conflicts/s ${formatRate(locked.conflictRate)} (max of rounds ${formatRate(Math.max(...locked.conflictRates))})` +
        (lockedShared ? `; one shared locked handler: ${formatRate(lockedShared.rate)} = ${x(lockedShared.rate, emmett.rate)}` : ''),
    });
  }
  if (hand && opt) {
    out.push({
      text: '2. Distinct keys, 8 clients, `handle()` (optimistic) within 10% of the hand-written read + conditional append',
      met: opt.rate >= 0.9 * hand.rate,
      detail: `${formatRate(opt.rate)} vs ${formatRate(hand.rate)} decisions/s = ${x(opt.rate, hand.rate)} (${roundRatios(opt, hand)})`,
    });
  }
  for (const mode of ['optimistic', 'locked'] as const) {
    const small = r.latency.find((c) => c.key === 'small' && c.mode === mode);
    const big = r.latency.find((c) => c.key === 'big-snapshots' && c.mode === mode);
    const plain = r.latency.find((c) => c.key === 'big-plain' && c.mode === mode);
    if (small && big) {
      out.push({
        text: `3. p50 of one \`handle()\` (${mode}) on ${bigEvents.toLocaleString('en-US')} events with snapshots within 2× of ${smallEvents} events`,
        met: big.p50 <= 2 * small.p50,
        detail: `${ms(big.p50)} ms vs ${ms(small.p50)} ms = ${x(big.p50, small.p50)}` + (plain ? `; without snapshots ${ms(plain.p50)} ms = ${x(plain.p50, small.p50)}` : ''),
      });
    }
  }
  return out;
}

const groupRows = (g: GroupResult, ref: string): string[][] => {
  const base = rateOf(g, ref);
  return g.results.map((c) => [
    c.label,
    c.error ? `FAILED: ${c.error}` : formatRate(c.rate),
    c.error ? '' : formatRate(c.conflictRate),
    base && !c.error ? x(c.rate, base.rate) : '',
  ]);
};

const groupHead = (ref: string) => ['contender', 'decisions/s (median)', 'conflicts/s (median)', `× ${ref}`];

const latencyHead = ['aggregate', 'mode', 'events at start', 'samples', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'p50 × 10 events'];
function latencyRows(l: readonly LatencySummary[]): string[][] {
  return l.map((c) => {
    const small = l.find((s) => s.key === 'small' && s.mode === c.mode);
    return [c.label, c.mode, c.eventsAtStart.toLocaleString('en-US'), String(c.count), ms(c.p50), ms(c.p90), ms(c.p99), ms(c.mean), small ? x(c.p50, small.p50) : ''];
  });
}

function roundLines(g: GroupResult): string[] {
  return g.results.map(
    (c) =>
      `  - ${c.label}: ${c.rates.map(formatRate).join(', ')}` +
      (c.conflictRates.some((v) => v > 0) ? `; conflicts/s ${c.conflictRates.map(formatRate).join(', ')}` : '') +
      (c.error ? ` (FAILED: ${c.error})` : ''),
  );
}

function text(r: Results): string {
  return [
    `Hot key, ${clients} clients, one account (× emmett)`,
    textTable(groupHead('emmett'), groupRows(r.hot, L.emmett)),
    '',
    `Distinct keys, ${clients} clients (× hand-written)`,
    textTable(groupHead('hand-written'), groupRows(r.distinct, L.handDistinct)),
    '',
    'Sequential handle() latency',
    textTable(latencyHead, latencyRows(r.latency)),
    '',
    'Targets',
    ...targets(r).map((t) => `  ${t.met ? 'met    ' : 'NOT met'}  ${t.text}: ${t.detail}`),
  ].join('\n');
}

function markdown(r: Results): string {
  const m = r.machine;
  const lines = [
    '<!-- decisions:start -->',
    '## Decisions: `handle()` on a hot key, on distinct keys, and on a long aggregate with snapshots (issue 12)',
    '',
    '<!-- Generated by bench/src/decisions/main.ts: do not edit by hand. -->',
    '',
    `- Command: \`${commandLine()}\``,
    `- Date: ${r.startedAt.toISOString()} (took ${Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s)`,
    `- Commit: ${revision()}`,
    `- Machine: nproc ${m.cpus} (${m.cpuModel}), ${m.totalMemoryGiB} GiB RAM, shared with other work; load average (1 / 5 / 15 min) at start ${r.loadAtStart}, at the end ${r.loadAtEnd}; PostgreSQL and the benchmark on the same 2 cores`,
    `- PostgreSQL: ${m.postgres}; Node ${m.node}; ${Object.entries(m.settings).map(([k, s]) => `${k}=${s}`).join(', ')}`,
    '',
    '### Targets',
    '',
    ...targets(r).map((t) => `- ${t.text}: **${t.met ? 'met' : 'NOT met'}** (${t.detail})`),
    '',
    '### Method',
    '',
    `One fresh database \`tally_bench_<random>\`, dropped at the end; one Tally store (schema \`${schema}\`, pool of 10, \`notify: 'after-commit'\`) shared by every Tally contender; ` +
      `Emmett (\`@event-driven-io/emmett-postgresql\` 0.42.0, its own pool of 10) in a worker thread of the same process, as in the store bench. ` +
      `Throughput scenarios: ${plan.rounds} rounds of ${plan.roundMs / 1000} s per contender, interleaved, every other round in reverse order (a, b, c, c, b, a, …), after a ${plan.warmupMs / 1000} s warm-up each; ` +
      'ANALYZE of the written tables before each round (untimed); a figure is the **median of the rounds**, and a ratio divides two medians of the same run.',
    '',
    "- The decision: `defineDecision` over the account's `AccountOpened`, `MoneyDeposited`, `MoneyWithdrawn` events tagged `account:<id>` (the query and condition of the hand-written contender), " +
      'state `{ count, balance }`, deciding one `MoneyDeposited` whose amount is `count + 1`; `handle(decision, { accountId }, { metadata: { correlationId } })`. ' +
      'A decision is one `handle()` that resolved; its conflicts are `result.attempts - 1` (AppendConditionErrors retried inside `handle()`), summed. Default `maxAttempts` 20 and backoff (2 ms doubling to 100 ms, jittered) in optimistic mode.',
    `- **Hot key**: ${clients} concurrent client loops on one account, a fresh account (stream) each round. "A handler per client": ${clients} \`createCommandHandler\` instances on the one store, so no in-process lane joins them and they meet in the database; ` +
      `"one shared handler": the ${clients} callers share one handler, whose lane queues them and hands each the state the previous one left (no read in between). ` +
      'After each round every Tally account and the Emmett stream is read back: it must hold exactly one deposit per decision, numbered 1…n (a decision on a stale state would repeat a number).',
    '- **Emmett hot stream**: `readStream(stream)` (its events and `currentStreamVersion`), then `appendToStream(stream, [event], { expectedStreamVersion })`; on `ExpectedVersionConflictError` a conflict is counted and the client reads and appends again at once. A success is a decision.',
    '- **Hand-written (hot key)**: `read(query)` then `append([event], { condition: { query, after: head } })`, retrying at once on `AppendConditionError` (`tallyConditionalHot` of bench/src/tally.ts, the loop the issue measured).',
    `- **Distinct keys**: each client on its own 100 accounts (\`<prefix>-<client>-<i mod 100>\`, a prefix per contender); the hand-written contender is \`tallyConditionalDistinct\` of bench/src/tally.ts; the same loop with a uuidv7 \`id\` on each event (what a decision that chooses its events' ids sends; the store then checks ids before inserting) shows what the id check costs; \`handle()\` uses one handler for all ${clients} clients (different keys never share a lane).`,
    `- **Latency**: sequential \`handle()\` calls, one at a time, each timed from call to resolve, in \`optimistic\` and in \`locked\` mode (a handler per mode). The decision with \`snapshots: { every: ${snapshotEvery} }\` runs on ` +
      `${smallEvents}-event aggregates (a fresh one per call, so every call sees exactly ${smallEvents} events; it looks up a snapshot and finds none) and on one ${bigEvents.toLocaleString('en-US')}-event aggregate; ` +
      `the same decision without snapshots on another ${bigEvents.toLocaleString('en-US')}-event aggregate. Aggregates seeded with 1000-event appends, then ANALYZE. ` +
      `${latencyWarmup} warm-up calls per case and mode (the first on the snapshotted aggregate reads all its events and saves the snapshot), then ${samples} samples per case and mode, interleaved. ` +
      `Each call appends one event, so the snapshotted aggregate's tail after its snapshot runs from 0 to ${snapshotEvery - 1} events before the next snapshot is saved (inside the call that reaches ${snapshotEvery}).`,
    '',
    `### Hot key: ${clients} clients, one account`,
    '',
    mdTable(groupHead('emmett'), groupRows(r.hot, L.emmett)),
    '',
    `### Distinct keys: ${clients} clients`,
    '',
    mdTable(groupHead('hand-written'), groupRows(r.distinct, L.handDistinct)),
    '',
    '### Latency of one decision, sequential',
    '',
    mdTable(latencyHead, latencyRows(r.latency)),
    '',
    '### Rounds (decisions/s of each round, in order)',
    '',
    `- ${r.hot.title}`,
    ...roundLines(r.hot),
    `- ${r.distinct.title}`,
    ...roundLines(r.distinct),
    '',
    '### Notes',
    '',
    ...r.notes.map((n) => `- ${n}`),
    '<!-- decisions:end -->',
  ];
  return `${lines.join('\n')}\n`;
}


/** Collects each round's read-back check of a contender; a failed one becomes a note. */
function checks(notes: string[]) {
  const byLabel = new Map<string, { bad: string[]; gaveUp: string[] }>();
  const add = (label: string, round: number, check: string, gaveUp = 0) => {
    const entry = byLabel.get(label) ?? { bad: [], gaveUp: [] };
    byLabel.set(label, entry);
    const where = round < 0 ? 'warm-up' : `round ${round + 1}`;
    if (check !== 'ok') entry.bad.push(`${where}: ${check}`);
    if (gaveUp > 0) entry.gaveUp.push(`${where}: ${gaveUp}`);
  };
  return {
    tally: (label: string) => (c: RoundCheck) => add(label, c.round, c.check, c.gaveUp),
    emmett: (label: string) => (round: number, check: string) => add(label, round, check),
    summarize: () => {
      for (const [label, { bad, gaveUp }] of byLabel) {
        notes.push(
          `${label}: ${bad.length === 0 ? 'every round (warm-up included) read back complete and in sequence' : `read-back problems: ${bad.join('; ')}`}` +
            (gaveUp.length === 0 ? '.' : `; handle() calls that gave up (DecisionConflictError after 20 attempts, not counted as decisions): ${gaveUp.join(', ')}.`),
        );
      }
    },
  };
}

/** Distinct keys, 8 clients: the hand-written loop, the same with event ids, and `handle()` in both modes. */
function distinctGroup(store: BenchStore, roundPlan: RoundPlan, print: (line: string) => void, analyze: () => Promise<void>): Promise<GroupResult> {
  const handDistinct = tallyConditionalDistinct(store, clients, 'ddist-hand');
  return runGroup('decisions-distinct', `distinct keys, ${clients} clients`, [
    { label: L.handDistinct, round: (d, r) => handDistinct.round(d, r) },
    distinctHandWrittenWithIds(L.handDistinctIds, store, clients, 'ddist-ids'),
    distinctHandle(L.optDistinct, store, 'optimistic', clients, 'ddist-opt'),
    distinctHandle(L.lockedDistinct, store, 'locked', clients, 'ddist-locked'),
  ], roundPlan, print, analyze);
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const db = await createBenchDatabase();
  process.once('SIGINT', () => void db.drop().finally(() => process.exit(130)));
  log(`decisions bench on database ${db.name} (server: ${db.backend}); load average ${loadAtStart}; ${plan.rounds} rounds × ${plan.roundMs} ms per contender`);
  const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10, schema });
  let emmett: EmmettHotPeer | undefined;
  try {
    const machine = await machineInfo(db);
    await store.migrate();
    const notes: string[] = [];
    const check = checks(notes);
    const analyze = () => analyzeAppendTables(db.url);
    const runDistinct = () => distinctGroup(store, plan, log, analyze);
    if (only === 'distinct') {
      const distinct = await runDistinct();
      log(`\nDistinct keys, ${clients} clients (× hand-written); load average at start ${loadAtStart}, at the end ${loadavg()}`);
      log(textTable(groupHead('hand-written'), groupRows(distinct, L.handDistinct)));
      for (const line of roundLines(distinct)) log(line);
      const target = targets({ startedAt, finishedAt: new Date(), loadAtStart, loadAtEnd: loadavg(), machine, hot: { id: '', title: '', results: [] }, distinct, latency: [], notes });
      for (const t of target) log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.text}: ${t.detail}`);
      return;
    }
    let emmettContender: Contender;
    try {
      emmett = await EmmettHotPeer.start(db.url);
      emmettContender = emmett.contender(L.emmett, clients, check.emmett(L.emmett));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      emmettContender = { label: L.emmett, round: () => Promise.reject(new Error(`Emmett could not start: ${reason}`)) };
    }
    const handHot = tallyConditionalHot(store, clients);
    const hot = await runGroup('decisions-hot', `hot key, ${clients} clients, one account`, [
      emmettContender,
      hotHandle(L.optOwn, store, 'optimistic', true, clients, check.tally(L.optOwn)),
      hotHandle(L.lockedOwn, store, 'locked', true, clients, check.tally(L.lockedOwn)),
      hotHandle(L.optShared, store, 'optimistic', false, clients, check.tally(L.optShared)),
      hotHandle(L.lockedShared, store, 'locked', false, clients, check.tally(L.lockedShared)),
      { label: L.handHot, round: (d, r) => handHot.round(d, r) },
    ], plan, log, analyze);
    if (only === 'hot') {
      log(`\nHot key, ${clients} clients, one account (× emmett); load average at start ${loadAtStart}, at the end ${loadavg()}`);
      log(textTable(groupHead('emmett'), groupRows(hot, L.emmett)));
      for (const line of roundLines(hot)) log(line);
      const target = targets({ startedAt, finishedAt: new Date(), loadAtStart, loadAtEnd: loadavg(), machine, hot, distinct: { id: '', title: '', results: [] }, latency: [], notes });
      for (const t of target) log(`  ${t.met ? 'met    ' : 'NOT met'}  ${t.text}: ${t.detail}`);
      check.summarize();
      for (const n of notes) log(`  ${n}`);
      return;
    }

    const distinct = await runDistinct();

    log('\n## latency of one handle(), sequential');
    const latency = await runLatency(store, db.url, schema, samples, latencyWarmup, analyze, log);
    check.summarize();
    notes.push(...latency.notes);

    const results: Results = {
      startedAt,
      finishedAt: new Date(),
      loadAtStart,
      loadAtEnd: loadavg(),
      machine,
      hot,
      distinct,
      latency: latency.cases.map(summarize),
      notes,
    };
    log(`\n${text(results)}`);
    log(`\nWrote ${await writeMarkedSection('decisions', markdown(results))}`);
  } finally {
    await emmett?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
