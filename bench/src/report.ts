import type { MachineInfo } from './db.js';
import type { LatencyStats } from './latency.js';
import { formatRate, type ContenderResult, type GroupResult, type RoundPlan } from './measure.js';
import type { SeededResults } from './seeded.js';
import { mdTable, textTable } from './tables.js';

/** Group ids and contender labels the report looks up. */
export const groupIds = {
  single1: 'append-1x1',
  single8: 'append-1x8',
  batch1: 'append-100x1',
  batch8: 'append-100x8',
  read: 'read',
} as const;

export const labels = {
  raw: 'raw',
  tally: 'tally',
  tallyInTransaction: 'tally notify in-transaction',
  tallyOff: 'tally notify off',
  conditionalDistinct: 'tally conditional, distinct keys',
  conditionalCarried: 'tally conditional, distinct keys, carried head',
  conditionalHot: 'tally conditional, one hot key',
  emmett: 'emmett',
} as const;

export interface BenchResults {
  readonly command: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly machine: MachineInfo;
  readonly plan: RoundPlan & { readonly latencySamples: number; readonly seedEvents: number };
  readonly groups: GroupResult[];
  readonly latency: Omit<SeededResults, 'read' | 'notes'>;
  readonly emmett: { readonly ok: boolean; readonly detail: string };
  readonly notes: string[];
}

export interface Target {
  readonly name: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

const group = (r: BenchResults, id: string) => r.groups.find((g) => g.id === id);
const row = (g: GroupResult | undefined, label: string): ContenderResult | undefined => g?.results.find((c) => c.label === label);
/** The raw contender of the group `row` belongs to. */
const rawOf = (g: GroupResult | undefined) => row(g, labels.raw) ?? g?.results[0];
const ratio = (value: number | undefined, base: number | undefined) =>
  value !== undefined && base !== undefined && Number.isFinite(value) && Number.isFinite(base) && base > 0 ? value / base : Number.NaN;
const fmtRatio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');
const fmtMs = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const spread = (c: ContenderResult) =>
  c.rates.length === 0 ? '' : `${formatRate(Math.min(...c.rates))} – ${formatRate(Math.max(...c.rates))}`;
const rateCell = (c: ContenderResult | undefined) => (c === undefined ? 'not run' : c.error !== undefined ? 'failed' : formatRate(c.rate));

/** The four targets, judged from the measured medians. */
export function targets(r: BenchResults): Target[] {
  const vsRaw = (id: string, label: string) => {
    const g = group(r, id);
    return ratio(row(g, label)?.rate, rawOf(g)?.rate);
  };
  const atLeast = (name: string, parts: Array<[string, number]>, min: number): Target => {
    const known = parts.every(([, x]) => Number.isFinite(x));
    return {
      name,
      measured: parts.map(([what, x]) => `${what} ${fmtRatio(x)}`).join(', '),
      met: known ? parts.every(([, x]) => x >= min) : undefined,
    };
  };
  const small = r.latency.small?.p99;
  const large = r.latency.large?.p99;
  const p99Ratio = small !== undefined && large !== undefined && small > 0 ? large / small : Number.NaN;
  return [
    atLeast('Single-event append ≥ 0.7× raw (1 and 8 clients)', [
      ['1 client', vsRaw(groupIds.single1, labels.tally)],
      ['8 clients', vsRaw(groupIds.single8, labels.tally)],
    ], 0.7),
    atLeast('Batch append (100 per call) ≥ 0.6× raw (1 and 8 clients)', [
      ['1 client', vsRaw(groupIds.batch1, labels.tally)],
      ['8 clients', vsRaw(groupIds.batch8, labels.tally)],
    ], 0.6),
    atLeast('Conditional append, distinct keys, 8 clients ≥ 0.5× raw: the append guarded by the head of the previous append (no read)', [
      ['8 clients', vsRaw(groupIds.single8, labels.conditionalCarried)],
    ], 0.5),
    atLeast('The same bar for the whole decision, read + conditional append, distinct keys, 8 clients', [
      ['8 clients', vsRaw(groupIds.single8, labels.conditionalDistinct)],
    ], 0.5),
    {
      name: 'Conditional append p99 on 1M events (seeded, ANALYZEd) within 2× of p99 on 1k',
      measured: `p99 ${fmtMs(large)} ms vs ${fmtMs(small)} ms = ${fmtRatio(p99Ratio)}`,
      met: Number.isFinite(p99Ratio) ? p99Ratio <= 2 : undefined,
    },
  ];
}

const verdict = (t: Target) => (t.met === undefined ? 'not measured' : t.met ? 'met' : 'NOT met');



function latencyRows(r: BenchResults): string[][] {
  const { small, large, largeVacuumed } = r.latency;
  const line = (name: string, s: LatencyStats | undefined) => [
    name,
    s ? s.storeEvents.toLocaleString('en-US') : 'n/a',
    s ? String(s.samples) : 'n/a',
    fmtMs(s?.p50),
    fmtMs(s?.p99),
    fmtMs(s?.readP50),
    fmtMs(s?.appendP50),
    fmtMs(s?.appendP99),
  ];
  const r2 = (a: number | undefined, b: number | undefined) => fmtRatio(ratio(b, a));
  const ratios = (name: string, big: LatencyStats | undefined) => [
    name, '', '',
    r2(small?.p50, big?.p50), r2(small?.p99, big?.p99), r2(small?.readP50, big?.readP50), r2(small?.appendP50, big?.appendP50), r2(small?.appendP99, big?.appendP99),
  ];
  const size = (st: LatencyStats | undefined) => (st ? compact(st.storeEvents) : '?');
  return [
    line(`${size(small)} events`, small),
    line(`${size(large)}, after ANALYZE`, large),
    line(`${size(largeVacuumed)}, after VACUUM`, largeVacuumed),
    ratios(`ratio ${size(large)} (ANALYZE) / ${size(small)}`, large),
    ratios(`ratio ${size(largeVacuumed)} (VACUUM) / ${size(small)}`, largeVacuumed),
  ];
}
/** 1000 → "1k", 1002100 → "1M", 20300 → "20k". */
const compact = (n: number) => (n >= 1e6 ? `${Math.round(n / 1e5) / 10}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n));
const latencyHeader = ['store', 'events', 'samples', 'p50 ms', 'p99 ms', 'read p50 ms', 'append p50 ms', 'append p99 ms'];

/** Everything measured, as one table for stdout. */
export function renderText(r: BenchResults): string {
  const rows: string[][] = [];
  for (const g of r.groups) {
    const raw = rawOf(g);
    for (const c of g.results) {
      const conflicts = c.conflictRates.some((x) => x > 0) ? ` (+${formatRate(c.conflictRate)} conflicts/s)` : '';
      rows.push([g.title, c.label, rateCell(c) + conflicts, c === raw ? '1.00×' : fmtRatio(ratio(c.rate, raw?.rate)), c.error ?? spread(c)]);
    }
  }
  const out = [
    textTable(['scenario', 'contender', 'events/s (median)', 'x raw', 'rounds min – max'], rows),
    '',
    'Conditional append latency (read + conditional append of one account, 1 client):',
    textTable(latencyHeader, latencyRows(r)),
    '',
    'Targets:',
    ...targets(r).map((t) => `  [${verdict(t)}] ${t.name}: ${t.measured}`),
    '',
    'Observations:',
    ...observations(r).map((o) => `  ${o}`),
    '',
    `Emmett: ${r.emmett.detail}`,
    ...r.notes.map((n) => `Note: ${n}`),
  ];
  return out.join('\n');
}

/** Side-by-side ratios that explain the tables. */
function observations(r: BenchResults): string[] {
  const g8 = group(r, groupIds.single8);
  const rate = (label: string) => row(g8, label)?.rate;
  const out = [
    `notify 'after-commit' vs 'off' (8 clients): ${fmtRatio(ratio(rate(labels.tally), rate(labels.tallyOff)))}; 'in-transaction' vs 'off': ${fmtRatio(ratio(rate(labels.tallyInTransaction), rate(labels.tallyOff)))}.`,
    `Read + conditional append (distinct keys) vs unconditional append, Tally, 8 clients: ${fmtRatio(ratio(rate(labels.conditionalDistinct), rate(labels.tally)))}; ` +
      `conditional append with a carried head vs unconditional: ${fmtRatio(ratio(rate(labels.conditionalCarried), rate(labels.tally)))}.`,
  ];
  const { small, large, largeVacuumed } = r.latency;
  if (small && large && largeVacuumed) {
    out.push(
      `Conditional latency p50 split, read / append: ${compact(small.storeEvents)} ${fmtMs(small.readP50)} / ${fmtMs(small.appendP50)} ms; ` +
        `${compact(large.storeEvents)} after ANALYZE ${fmtMs(large.readP50)} / ${fmtMs(large.appendP50)} ms; ` +
        `${compact(largeVacuumed.storeEvents)} after VACUUM ${fmtMs(largeVacuumed.readP50)} / ${fmtMs(largeVacuumed.appendP50)} ms.`,
    );
  }
  return out;
}

/** docs/benchmarks.md, generated from the results. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const s = m.settings;
  const g1 = group(r, groupIds.single1);
  const g8 = group(r, groupIds.single8);
  const b1 = group(r, groupIds.batch1);
  const b8 = group(r, groupIds.batch8);
  const rd = group(r, groupIds.read);
  const pair = (label: string, a: GroupResult | undefined, b: GroupResult | undefined, name = label) => {
    const ca = row(a, label);
    const cb = row(b, label);
    return [name, rateCell(ca), fmtRatio(ratio(ca?.rate, rawOf(a)?.rate)), rateCell(cb), fmtRatio(ratio(cb?.rate, rawOf(b)?.rate))];
  };
  const one = (g: GroupResult | undefined, label: string, name = label, withConflicts = false) => {
    const c = row(g, label);
    const cells = [name, rateCell(c), fmtRatio(ratio(c?.rate, rawOf(g)?.rate))];
    return withConflicts ? [...cells, c && c.error === undefined ? formatRate(c.conflictRate) : 'n/a'] : cells;
  };
  const failures = r.groups.flatMap((g) => g.results.filter((c) => c.error !== undefined).map((c) => `- ${g.title}, ${c.label}: ${c.error}`));
  const pairHeader = ['contender', '1 client, events/s', '× raw', '8 clients, events/s', '× raw'];

  return `# Benchmarks

<!-- Generated by \`pnpm bench\` (bench/src/report.ts) from the measured results: do not edit by hand. -->

- Command: \`${r.command}\`
- Date: ${r.startedAt.toISOString()} (took ${Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s)
- Machine: nproc ${m.cpus} (${m.cpuModel}), ${m.totalMemoryGiB} GiB RAM, shared and noisy (other work runs beside the benchmark; load average at start ${m.loadAverage.join(' / ')})
- PostgreSQL: ${m.postgres} (server from ${m.backend})
- Settings: ${Object.entries(s).map(([k, v]) => `${k}=${v}`).join(', ')}
- Node: ${m.node}

## Method

Everything runs in one process (Emmett in a worker thread of it) against one fresh database, \`tally_bench_<random>\`, dropped at the end.
Each scenario runs its contenders in interleaved rounds, every other one in reverse order (raw, tally, …, emmett, emmett, …, tally, raw, …): ${r.plan.rounds} rounds of
${r.plan.roundMs / 1000} s each, after a ${r.plan.warmupMs / 1000} s warm-up per contender; a figure is the **median of its rounds**, and
"× raw" divides it by the median of the raw limit of the same shape measured in the same rounds.

- **raw**: a plain table \`raw.events\` with the row shape and indexes of Tally's \`events\` table (no triggers: they fire only on
  UPDATE/DELETE/TRUNCATE); autocommit, parameterised \`INSERT … VALUES\` of 1 or 100 rows per statement; each client its own connection.
- **tally**: \`@tally/eventstore\`, one store (pool of 10) shared by the clients, \`notify: 'after-commit'\` (the default) unless stated.
- Before each round of the append scenarios the bench ANALYZEs the tables they write (raw, Tally's, Emmett's), untimed, so the
  planner sees their growth as autovacuum would show it (autovacuum=${s.autovacuum ?? '?'} on this server).
- **emmett**: \`@event-driven-io/emmett-postgresql\` 0.42.0, \`getPostgreSQLEventStore(url)\` (its own pool, pg's default of 10),
  \`appendToStream('account-<id>', events)\` without an expected version. It runs in a worker thread because it replaces \`pg\`'s
  global type parsers (int8 → BigInt, jsonb → JSON.parse with a reviver), which would otherwise change Tally's and raw's reads.
- The event everywhere: type \`MoneyDeposited\`, data \`{ accountId, amount, depositId }\`, tags \`['account:<id>']\` (Emmett has no tags:
  the account is its stream), metadata \`{ correlationId }\`. Each client writes its own accounts, so no two clients share a key.
  A 100-event call is 100 deposits to one account.
- Conditional append: \`read([{ types, tags: ['account:<id>'] }])\`, then \`append([event], { condition: { query, after: head } })\`;
  distinct keys: each client on its own 100 accounts; hot key: all 8 clients on one account (a fresh one each round), an
  \`AppendConditionError\` counts as a conflict and the client re-reads and retries.
- Conditional append with a carried head: each client on its own 100 accounts keeps the \`head\` each conditional append
  returns and guards its next append on that account with it, as a service that keeps its decision state in memory does;
  it reads an account only the first time. Between two appends on one account the other clients commit ~800 transactions;
  the check looks up the account's tag in \`event_tags\` from the head's xmin, so its cost does not grow with that age.

## Targets

${targets(r).map((t) => `- **${verdict(t)}**: ${t.name}. Measured: ${t.measured}.`).join('\n')}

## Single-event append (1 event per call / transaction)

${mdTable(pairHeader, [pair(labels.raw, g1, g8), pair(labels.tally, g1, g8), pair(labels.emmett, g1, g8)])}

## Batch append (100 events per call / transaction)

${mdTable(pairHeader, [pair(labels.raw, b1, b8), pair(labels.tally, b1, b8), pair(labels.emmett, b1, b8)])}

## Notify modes (1 event per call, 8 clients)

${mdTable(['contender', 'events/s', '× raw'], [
    one(g8, labels.raw),
    one(g8, labels.tally, "tally, notify: 'after-commit' (default)"),
    one(g8, labels.tallyInTransaction, "tally, notify: 'in-transaction'"),
    one(g8, labels.tallyOff, "tally, notify: 'off'"),
  ])}

## Conditional append (1 event, 8 clients)

Ratios are to the raw single-row insert with 8 clients (the same write, without the read or the check).

${mdTable(['scenario', 'appended events/s', '× raw', 'conflicts/s'], [
    one(g8, labels.raw, 'raw (1 row per transaction)', true),
    one(g8, labels.conditionalCarried, 'distinct keys, head carried from the previous append (no read)', true),
    one(g8, labels.conditionalDistinct, 'distinct keys, read + conditional append', true),
    one(g8, labels.conditionalHot, 'one hot key (all clients), read + conditional append', true),
  ])}

## Reads (1 client, over the seeded store of ${r.plan.seedEvents.toLocaleString('en-US')} events)

Each round reads from the start of the table, in position order: raw \`SELECT … WHERE position > $1 ORDER BY position LIMIT 1000\`
with \`pg\`, Tally's \`read(undefined, { after, limit: 1000 })\` and \`stream(undefined, { batchSize: 1000 })\`${rd ? ` (${rd.results[0]?.rates.length ?? 0} rounds)` : ''}.

${mdTable(['reader', 'events/s', '× raw'], (rd?.results ?? []).map((c) => one(rd, c.label)))}

## Conditional append latency (1 client, ${r.plan.latencySamples} samples)

One sample is \`read\` of one account's decision events (types AccountOpened, MoneyDeposited, MoneyWithdrawn; ~10 events) plus the
conditional \`append\` of one event. The store is seeded with \`INSERT … SELECT generate_series\` straight into Tally's table
(7 types, 10 events per account, a second \`branch:<n>\` tag on 1 event in 5): 1k events, then up to ${r.plan.seedEvents.toLocaleString('en-US')}${r.latency.seedSeconds !== undefined ? ` (in ${Math.round(r.latency.seedSeconds)} s)` : ''}
and ANALYZE, as a bulk load leaves it (GIN pending lists included); then once more after VACUUM, which flushes the GIN pending
lists. Each measurement uses its own 100 probe accounts holding 10 events each, so reads are the same size at 1k and at 1M.
The target compares the 1M figure after ANALYZE with the 1k one.
${r.latency.error ? `\n**Could not run**: ${r.latency.error}\n` : ''}
${mdTable(latencyHeader, latencyRows(r))}

## Observations (computed)

${observations(r).map((o) => `- ${o}`).join('\n')}

## Emmett

${r.emmett.detail}
${failures.length > 0 ? `\nScenarios that could not run:\n\n${failures.join('\n')}\n` : ''}
## Rounds (events/s of each round, in order)

${r.groups
  .map((g) => `- ${g.title}\n${g.results.map((c) => `  - ${c.label}: ${c.error ? `failed: ${c.error}` : c.rates.map(formatRate).join(', ')}${c.conflictRates.some((x) => x > 0) ? `; conflicts/s ${c.conflictRates.map(formatRate).join(', ')}` : ''}`).join('\n')}`)
  .join('\n')}
${r.notes.length > 0 ? `\n## Notes\n\n${r.notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
}
