import { startCpuMeter } from './cpu-meter.js';

/** A positive integer from the environment variable `name`, or `fallback` when unset or not one. */
export function intEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** What one round of one contender did. */
export interface RoundResult {
  readonly events: number;
  /** Conditional appends rejected (AppendConditionError), counted apart from `events`. */
  readonly conflicts: number;
  readonly seconds: number;
}

/** One side of a comparison: runs a timed round of its own scenario shape. */
export interface Contender {
  readonly label: string;
  round(durationMs: number, round: number): Promise<RoundResult>;
  /** Releases what the contender holds (connections); called once after its group. */
  close?(): Promise<void>;
}

/** What one operation of a client loop did. */
export interface OpResult {
  readonly events: number;
  readonly conflicts?: number;
}

/**
 * Runs `clients` concurrent loops of `op` until `durationMs` has passed, and counts what they did.
 * Each loop finishes the operation in flight at the deadline; the elapsed time includes it.
 */
export async function runClients(
  clients: number,
  durationMs: number,
  op: (client: number, iteration: number) => Promise<OpResult>,
): Promise<RoundResult> {
  let events = 0;
  let conflicts = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async (client: number) => {
    for (let i = 0; performance.now() < deadline; i++) {
      const result = await op(client, i);
      events += result.events;
      conflicts += result.conflicts ?? 0;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  return { events, conflicts, seconds: (performance.now() - start) / 1000 };
}

/** The rounds of one contender in a group, and their medians. */
export interface ContenderResult {
  readonly label: string;
  readonly rates: number[];
  readonly conflictRates: number[];
  /** Median events/s over the rounds (NaN when the contender failed). */
  readonly rate: number;
  /** Median conflicts/s over the rounds. */
  readonly conflictRate: number;
  /** Why the contender could not run, if it could not. */
  readonly error?: string;
  /** Per round, CPU microseconds per event: the whole machine's (Node and PostgreSQL), and this process's. */
  readonly machineCpuPerEvent: number[];
  readonly processCpuPerEvent: number[];
  /** Per round, the share of the machine's cores' time stolen by other guests of the host. */
  readonly stealShares: number[];
}

export interface GroupResult {
  readonly id: string;
  readonly title: string;
  readonly results: ContenderResult[];
}

export interface RoundPlan {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
}

/**
 * Runs the contenders of one group in interleaved rounds (a, b, c, c, b, a, …) after a short warm-up
 * of each, so slow drifts of a noisy machine hit every contender alike; reports the median of rounds.
 * A contender that throws is dropped from the later rounds and reported with its error. Every contender
 * is closed at the end.
 */
export async function runGroup(
  id: string,
  title: string,
  contenders: readonly Contender[],
  plan: RoundPlan,
  log: (line: string) => void,
  beforeRound?: () => Promise<void>,
): Promise<GroupResult> {
  log(`\n## ${title}`);
  const state = contenders.map((c) => ({
    contender: c,
    rates: [] as number[],
    conflictRates: [] as number[],
    machineCpu: [] as number[],
    processCpu: [] as number[],
    steal: [] as number[],
    error: undefined as string | undefined,
  }));
  for (const s of state) {
    try {
      await s.contender.round(plan.warmupMs, -1);
    } catch (error) {
      s.error = describeError(error);
      log(`  ${s.contender.label}: FAILED in warm-up: ${s.error}`);
    }
  }
  for (let r = 0; r < plan.rounds; r++) {
    await beforeRound?.();
    const parts: string[] = [];
    // Every other round in reverse order (a, b, c, c, b, a, …): a contender's place in the round (after whose
    // garbage, at which point of a drift in load) is no longer the same in every round.
    const order = r % 2 === 0 ? state : [...state].reverse();
    for (const s of order) {
      if (s.error !== undefined) continue;
      try {
        const cpu = startCpuMeter();
        const result = await s.contender.round(plan.roundMs, r);
        const spent = cpu();
        s.rates.push(result.events / result.seconds);
        s.conflictRates.push(result.conflicts / result.seconds);
        s.machineCpu.push(spent.machineUs / result.events);
        s.processCpu.push(spent.processUs / result.events);
        s.steal.push(spent.stealUs / (spent.stealUs + spent.machineUs));
        parts.push(`${s.contender.label} ${formatRate(result.events / result.seconds)}`);
      } catch (error) {
        s.error = describeError(error);
        log(`  ${s.contender.label}: FAILED in round ${r + 1}: ${s.error}`);
      }
    }
    log(`  round ${r + 1}/${plan.rounds}: ${parts.join(' | ')}`);
  }
  for (const s of state) await s.contender.close?.().catch(() => {});
  return {
    id,
    title,
    results: state.map((s) => ({
      label: s.contender.label,
      rates: s.rates,
      conflictRates: s.conflictRates,
      rate: s.error === undefined ? median(s.rates) : Number.NaN,
      conflictRate: s.error === undefined ? median(s.conflictRates) : Number.NaN,
      machineCpuPerEvent: s.machineCpu,
      processCpuPerEvent: s.processCpu,
      stealShares: s.steal,
      ...(s.error === undefined ? {} : { error: s.error }),
    })),
  };
}

/**
 * The median over rounds of `other`'s rate divided by `base`'s in the same round: what a side-by-side ratio
 * is on a machine whose load changes between rounds (a ratio of medians mixes rounds of different load).
 */
export function pairedRatio(base: ContenderResult, other: ContenderResult): number {
  return median(pairedRatios(base, other));
}

/** `other`'s rate divided by `base`'s, round by round (the rounds both ran). */
export function pairedRatios(base: ContenderResult, other: ContenderResult): number[] {
  return other.rates.flatMap((rate, i) => (base.rates[i] === undefined ? [] : [rate / base.rates[i]!]));
}

/**
 * The median over rounds of `base`'s machine CPU per event divided by `other`'s in the same round: read like a
 * throughput ratio (below 1: `other` costs more), what the throughput ratio is when every core is busy.
 */
export function pairedCpuRatio(base: ContenderResult, other: ContenderResult): number {
  return median(other.machineCpuPerEvent.flatMap((cpu, i) => (base.machineCpuPerEvent[i] === undefined ? [] : [base.machineCpuPerEvent[i]! / cpu])));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile, `p` in (0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return 'n/a';
  return rate >= 100 ? Math.round(rate).toLocaleString('en-US') : rate.toFixed(1);
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}: ${error.message}${typeof code === 'string' ? ` (code ${code})` : ''}`;
  }
  return String(error);
}

/**
 * What `other` costs in CPU per event beside `base`, as a phrase: the machine's time (Node and PostgreSQL, medians
 * over rounds), this process's, the ratio that predicts the throughput ratio when the cores are busy, and the steal.
 */
export function describeCpu(base: ContenderResult, other: ContenderResult): string {
  const us = (values: readonly number[]) => median(values).toFixed(0);
  const steal = median([...base.stealShares, ...other.stealShares]);
  return (
    `CPU per event ${us(other.machineCpuPerEvent)} µs vs ${us(base.machineCpuPerEvent)} µs (Node ${us(other.processCpuPerEvent)} vs ${us(base.processCpuPerEvent)} µs), ` +
    `CPU ratio ${pairedCpuRatio(base, other).toFixed(2)}x, steal ${(steal * 100).toFixed(0)}%`
  );
}
