/**
 * A quick loop for append work: only the groups behind the append targets (1 event per call with 1 and 8
 * clients, and conditional appends on distinct keys with 8 clients), each against raw INSERTs in the same
 * interleaved rounds. Prints the median ratios; writes no document.
 *   DATABASE_URL=… BENCH_ROUNDS=5 BENCH_ROUND_MS=1500 tsx src/append-focus.ts
 */
import { createEventStore } from '@tally/eventstore';
import { createBenchDatabase } from './db.js';
import { analyzeAppendTables } from './diagnostics.js';
import type { TallyBenchEvent } from './events.js';
import { formatRate, intEnv, runGroup, type GroupResult, type RoundPlan } from './measure.js';
import { createRawSchema, rawAppend } from './raw.js';
import { tallyAppend, tallyConditionalCarried, tallyConditionalDistinct } from './tally.js';

const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 5), roundMs: intEnv('BENCH_ROUND_MS', 1500), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const log = (line: string) => console.log(line);

function ratios(group: GroupResult): string {
  const raw = group.results.find((r) => r.label === 'raw')!;
  return group.results
    .filter((r) => r !== raw)
    .map((r) => {
      const perRound = r.rates.map((rate, i) => (rate / raw.rates[i]!).toFixed(2)).join(' ');
      return `${r.label}: ${formatRate(r.rate)}/s vs raw ${formatRate(raw.rate)}/s = ${(r.rate / raw.rate).toFixed(2)}x (per round ${perRound})`;
    })
    .join('\n  ');
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10 });
  try {
    await createRawSchema(db.url);
    await store.migrate();
    const analyze = () => analyzeAppendTables(db.url);
    const single1 = await runGroup('single1', 'append 1 event/call, 1 client', [rawAppend(db.url, 1, 1), tallyAppend(store, 'tally', 1, 1)], plan, log, analyze);
    const single8 = await runGroup(
      'single8',
      'append 1 event/call, 8 clients',
      [rawAppend(db.url, 8, 1), tallyAppend(store, 'tally', 8, 1), tallyConditionalDistinct(store, 8), tallyConditionalCarried(store, 8)],
      plan,
      log,
      analyze,
    );
    log(`\n1 client:\n  ${ratios(single1)}\n8 clients:\n  ${ratios(single8)}`);
  } finally {
    await store.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
