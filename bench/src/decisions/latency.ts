import { createCommandHandler, type CommandHandler, type Decision, type HandlerMode } from '@tally/decisions';
import { randomUUID } from 'node:crypto';
import { withClient } from '../diagnostics.js';
import { deposits, type TallyBenchEvent } from '../events.js';
import { median, percentile } from '../measure.js';
import type { BenchStore } from '../tally.js';
import { depositDecision, depositQuery, type DepositCmd, type DepositState } from './tally-decisions.js';

export const snapshotEvery = 100;
export const bigEvents = 10_000;
export const smallEvents = 10;

/** The decision with snapshots (the 10-event and the 10,000-event aggregate), and the same one without. */
const snapshotted = depositDecision('bench-deposit-snapshotted', { every: snapshotEvery });
const plain = depositDecision('bench-deposit-plain');

export interface LatencyCase {
  readonly key: 'small' | 'big-snapshots' | 'big-plain';
  readonly label: string;
  readonly mode: HandlerMode;
  readonly samples: number[];
  /** Events of the aggregate when the first sample ran. */
  readonly eventsAtStart: number;
}

export interface LatencySummary {
  readonly key: LatencyCase['key'];
  readonly label: string;
  readonly mode: HandlerMode;
  readonly eventsAtStart: number;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
}

export const summarize = (c: LatencyCase): LatencySummary => ({
  key: c.key,
  label: c.label,
  mode: c.mode,
  eventsAtStart: c.eventsAtStart,
  count: c.samples.length,
  p50: percentile(c.samples, 50),
  p90: percentile(c.samples, 90),
  p99: percentile(c.samples, 99),
  mean: c.samples.reduce((a, b) => a + b, 0) / c.samples.length,
});

/** Appends `count` numbered deposits to each account, 1000 events per append. */
async function seed(store: BenchStore, accounts: readonly string[], count: number): Promise<void> {
  let batch: ReturnType<typeof deposits> = [];
  const flush = async () => {
    if (batch.length > 0) await store.append(batch);
    batch = [];
  };
  for (const account of accounts) {
    for (let n = 0; n < count; n += 1000) {
      const events = deposits(account, 0, Math.min(1000, count - n)).map((e, i) => ({ ...e, data: { ...e.data, amount: n + i + 1 } }));
      batch.push(...events);
      if (batch.length >= 1000) await flush();
    }
  }
  await flush();
}

/**
 * Sequential `handle()` latency of one deposit decision on: 10-event aggregates (a fresh one per sample, so each
 * has exactly 10 events; the decision takes snapshots every 100 events, so it looks one up and finds none), one
 * 10,000-event aggregate with the same decision, and one 10,000-event aggregate without snapshots; each in
 * `optimistic` and in `locked` mode (a handler per mode). Warm-up calls first (the first on the snapshotted
 * aggregate reads all 10,000 events and saves the snapshot), then the samples, interleaved across the cases.
 */
export async function runLatency(
  store: BenchStore,
  url: string,
  schema: string,
  samples: number,
  warmup: number,
  analyze: () => Promise<void>,
  log: (line: string) => void,
): Promise<{ cases: LatencyCase[]; notes: string[] }> {
  const modes: HandlerMode[] = ['optimistic', 'locked'];
  const run = randomUUID().slice(0, 8);
  const bigSnap = `dlat-${run}-big-snapshots`;
  const bigPlain = `dlat-${run}-big-plain`;
  const small = (mode: HandlerMode, i: number) => `dlat-${run}-small-${mode}-${i}`;
  const smallAccounts = modes.flatMap((mode) => Array.from({ length: warmup + samples }, (_, i) => small(mode, i)));
  const seedStart = performance.now();
  await seed(store, [bigSnap, bigPlain], bigEvents);
  await seed(store, smallAccounts, smallEvents);
  await analyze();
  log(`  seeded 2 × ${bigEvents.toLocaleString('en-US')} + ${smallAccounts.length.toLocaleString('en-US')} × ${smallEvents} events in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);

  const handlers = new Map<HandlerMode, CommandHandler<TallyBenchEvent>>(modes.map((mode) => [mode, createCommandHandler(store, { mode })]));
  type Spec = { key: LatencyCase['key']; label: string; decision: Decision<TallyBenchEvent, DepositCmd, DepositState>; account: (mode: HandlerMode, i: number) => string };
  const specs: Spec[] = [
    { key: 'small', label: `${smallEvents} events, snapshots every ${snapshotEvery}`, decision: snapshotted, account: small },
    { key: 'big-snapshots', label: `${bigEvents.toLocaleString('en-US')} events, snapshots every ${snapshotEvery}`, decision: snapshotted, account: () => bigSnap },
    { key: 'big-plain', label: `${bigEvents.toLocaleString('en-US')} events, no snapshots`, decision: plain, account: () => bigPlain },
  ];
  const once = async (spec: Spec, mode: HandlerMode, i: number) => {
    const start = performance.now();
    await handlers.get(mode)!.handle(spec.decision, { accountId: spec.account(mode, i) }, { metadata: { correlationId: randomUUID() } });
    return performance.now() - start;
  };
  const notes: string[] = [];
  for (let i = 0; i < warmup; i++) for (const spec of specs) for (const mode of modes) {
    const ms = await once(spec, mode, i);
    if (i === 0 && spec.key === 'big-snapshots' && mode === modes[0]) notes.push(`The first call on the 10,000-event aggregate with snapshots (no snapshot yet: a full read, then the snapshot saved) took ${ms.toFixed(1)} ms.`);
  }
  notes.push(`Snapshots of the snapshotted decision after the warm-up: ${await savedSnapshots(url, schema, snapshotted.name)}.`);
  const counts = await Promise.all([bigSnap, bigPlain].map(async (a) => (await store.read(depositQuery(a))).events.length));
  const cases: LatencyCase[] = specs.flatMap((spec) =>
    modes.map((mode) => ({ key: spec.key, label: spec.label, mode, samples: [], eventsAtStart: spec.key === 'small' ? smallEvents : counts[spec.key === 'big-snapshots' ? 0 : 1]! })),
  );
  for (let i = warmup; i < warmup + samples; i++) {
    let c = 0;
    for (const spec of specs) for (const mode of modes) cases[c++]!.samples.push(await once(spec, mode, i));
  }
  notes.push(`Snapshots of the snapshotted decision after the samples: ${await savedSnapshots(url, schema, snapshotted.name)}.`);
  const p50 = (k: LatencyCase['key'], m: HandlerMode) => median(cases.find((x) => x.key === k && x.mode === m)!.samples);
  log(`  p50 ms: ${cases.map((x) => `${x.label} ${x.mode} ${p50(x.key, x.mode).toFixed(2)}`).join(' | ')}`);
  return { cases, notes };
}

/** The snapshots the decision saved (only the 10,000-event aggregate reaches 100 events). */
async function savedSnapshots(url: string, schema: string, decision: string): Promise<string> {
  const { rows } = await withClient(url, (c) =>
    c.query<{ events: string; position: string }>(`SELECT events::text AS events, position::text AS position FROM "${schema}".decision_snapshots WHERE decision = $1`, [decision]),
  );
  return rows.length === 0 ? 'none' : rows.map((r) => `one covering ${Number(r.events).toLocaleString('en-US')} events (up to position ${r.position})`).join('; ');
}
