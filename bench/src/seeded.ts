import { checkpoint, describeTable, sqlOn } from './diagnostics.js';
import { measureConditionalLatency, seedEvents, type LatencyStats } from './latency.js';
import { describeError, runGroup, type GroupResult, type RoundPlan } from './measure.js';
import { rawRead } from './raw.js';
import { groupIds } from './report.js';
import { tallyRead, tallyStream, type BenchStore } from './tally.js';

export interface SeededResults {
  /** Conditional append latency on 1k events. */
  small?: LatencyStats;
  /** … on 1M events, right after the bulk seed and ANALYZE. */
  large?: LatencyStats;
  /** … on 1M events after VACUUM (GIN pending lists flushed, visibility map set). */
  largeVacuumed?: LatencyStats;
  seedSeconds?: number;
  error?: string;
  read?: GroupResult;
  notes: string[];
}

const smallEvents = 1000;
const probeCount = 100;
const pageSize = 1000;
const seedChunk = 200_000;
/** Reads are one client and no writes: fewer rounds keep the whole run within its time budget. */
const readRounds = 3;

/**
 * The scenarios on a seeded store, in schema `tally_lat` (apart from the append scenarios' tables):
 * conditional append latency at 1k events, then at `totalEvents` (seeded with INSERT … SELECT), then
 * after VACUUM; then read and stream throughput over it.
 *
 * Account `lat-<n>` holds 10 events when its probe samples start: lat-0 … lat-99 at 1k, lat-100 … at 1M
 * after ANALYZE, lat-200 … after VACUUM. So every probe reads the same amount, whatever the store size.
 */
export async function runSeededScenarios(
  url: string,
  store: BenchStore,
  totalEvents: number,
  samples: number,
  plan: RoundPlan,
  log: (line: string) => void,
): Promise<SeededResults> {
  const out: SeededResults = { notes: [] };
  const probes = (from: number) => Array.from({ length: probeCount }, (_, i) => `lat-${from + i}`);
  const count = async () => Number((await sqlOn(url, 'SELECT count(*)::int AS n FROM tally_lat.events')).rows[0].n);
  const show = (name: string, s: LatencyStats) =>
    log(`  ${name} (${s.storeEvents.toLocaleString('en-US')} events): p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
  try {
    log('\n## Conditional append latency');
    await seedEvents(url, 'tally_lat', 0, smallEvents, `'lat-' || (g % ${probeCount})`, seedChunk, log);
    out.small = await measureConditionalLatency(store, probes(0), samples, smallEvents);
    show('1k', out.small);

    const accounts = Math.floor((totalEvents - smallEvents) / 10);
    const accountSql = `'lat-' || (${probeCount} + (g - ${smallEvents}) % ${accounts})`;
    out.seedSeconds = await seedEvents(url, 'tally_lat', smallEvents, totalEvents, accountSql, seedChunk, log);
    await checkpoint(url);
    out.notes.push(`After seeding and ANALYZE: ${await describeTable(url, 'tally_lat')}.`);
    out.large = await measureConditionalLatency(store, probes(probeCount), samples, await count());
    show('1M after ANALYZE', out.large);

    await sqlOn(url, 'VACUUM (ANALYZE) tally_lat.events');
    await checkpoint(url);
    out.largeVacuumed = await measureConditionalLatency(store, probes(2 * probeCount), samples, await count());
    show('1M after VACUUM', out.largeVacuumed);
    const conflicts = out.small.conflicts + out.large.conflicts + out.largeVacuumed.conflicts;
    if (conflicts > 0) out.notes.push(`${conflicts} latency samples ended in a conflict (unexpected with 1 client).`);
  } catch (error) {
    out.error = describeError(error);
    log(`  latency scenarios failed: ${out.error}`);
    return out;
  }
  const events = await count();
  out.read = await runGroup(
    groupIds.read,
    `read, 1 client, ${events.toLocaleString('en-US')} events`,
    [rawRead(url, 'tally_lat.events', pageSize), tallyRead(store, pageSize), tallyStream(store, pageSize)],
    { ...plan, rounds: Math.min(plan.rounds, readRounds) },
    log,
  );
  return out;
}
