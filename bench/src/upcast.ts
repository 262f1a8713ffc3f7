/**
 * Read throughput with upcasting of every event vs without (issue 15; target ≥ 0.8×), in one run on one fresh
 * database: `BENCH_UPCAST_EVENTS` deposits (default 20,000) written by a store without upcasters (version 1, as
 * old code wrote them), then read in interleaved rounds by two stores on the same table: one without upcasters
 * (returns the stored shape) and one whose two upcasters bring every event from version 1 to 3. Two read paths:
 * `read` in pages of 1,000 and `stream` (batchSize 1,000), 1 client each.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:upcast
 *
 * Writes docs/benchmarks.md between `<!-- upcast:start -->` and `<!-- upcast:end -->`.
 */
import { loadavg } from 'node:os';
import { createEventStore, upcasterChain } from '@tally/eventstore';
import { createBenchDatabase, machineInfo } from './db.js';
import { writeMarkedSection } from './doc-sections.js';
import { formatRate, intEnv, runClients, runGroup, type Contender, type GroupResult, type RoundPlan } from './measure.js';
import { revision } from './revision.js';
import { mdTable } from './tables.js';

type DepositV1 = { accountId: string; amount: number; depositId: string };
type DepositV3 = { accountId: string; amount: { minor: number; currency: string }; depositId: string };
type OldEvent = { type: 'MoneyDeposited'; data: DepositV1 };
type NewEvent = { type: 'MoneyDeposited'; data: DepositV3 };

const upcasters = {
  MoneyDeposited: upcasterChain(
    (v1: DepositV1) => ({ ...v1, currency: 'EUR' }),
    (v2) => ({ accountId: v2.accountId, depositId: v2.depositId, amount: { minor: Math.round(v2.amount * 100), currency: v2.currency } }),
  ),
};

const events = intEnv('BENCH_UPCAST_EVENTS', 20_000);
const page = 1000;
const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 5), roundMs: intEnv('BENCH_ROUND_MS', 2000), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const log = (line: string) => console.log(line);
const query = [{ types: ['MoneyDeposited'] }] as const;

/** Pages of `read` through the seeded events, wrapping around at the end. */
function reads(label: string, readPage: (after: bigint) => Promise<readonly { position: bigint }[]>): Contender {
  let after = 0n;
  return {
    label,
    round: (durationMs) =>
      runClients(1, durationMs, async () => {
        const got = await readPage(after);
        after = got.length < page ? 0n : got[got.length - 1]!.position;
        return { events: got.length };
      }),
  };
}

/** Whole `stream`s of the seeded events (a round counts the events of every stream it ran, finished or not). */
function streams(label: string, stream: () => AsyncIterable<unknown>): Contender {
  return {
    label,
    round: async (durationMs) => {
      const start = performance.now();
      let count = 0;
      while (performance.now() - start < durationMs) {
        for await (const event of stream()) {
          void event;
          count++;
        }
      }
      return { events: count, conflicts: 0, seconds: (performance.now() - start) / 1000 };
    },
  };
}

const ratioOf = (group: GroupResult) => group.results[1]!.rate / group.results[0]!.rate;
const perRound = (group: GroupResult) => group.results[1]!.rates.map((rate, i) => (rate / group.results[0]!.rates[i]!).toFixed(2)).join(' ');

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const oldStore = createEventStore<OldEvent>({ connectionString: db.url, maxConnections: 4 });
  const newStore = createEventStore<NewEvent>({ connectionString: db.url, maxConnections: 4, upcasters });
  try {
    const machine = await machineInfo(db);
    const load = loadavg().map((l) => l.toFixed(1)).join(' / ');
    await oldStore.migrate();
    for (let i = 0; i < events; i += 500) {
      const batch = Array.from({ length: Math.min(500, events - i) }, (_, k) => ({
        type: 'MoneyDeposited' as const,
        data: { accountId: `acct-${(i + k) % 100}`, amount: ((i + k) % 997) + 0.25, depositId: `d-${i + k}` },
        tags: [`account:acct-${(i + k) % 100}`],
      }));
      await oldStore.append(batch);
    }
    const sample = (await newStore.read(query, { limit: 1 })).events[0]!;
    if (typeof sample.data.amount !== 'object') throw new Error('the upcasting store did not upcast');
    const read = await runGroup('upcast-read', `read, pages of ${page}, 1 client`, [
      reads('no upcasters', async (after) => (await oldStore.read(query, { after, limit: page })).events),
      reads('2 upcasters, every event', async (after) => (await newStore.read(query, { after, limit: page })).events),
    ], plan, log);
    const stream = await runGroup('upcast-stream', `stream, batchSize ${page}, 1 client`, [
      streams('no upcasters', () => oldStore.stream(query, { batchSize: page })),
      streams('2 upcasters, every event', () => newStore.stream(query, { batchSize: page })),
    ], plan, log);
    const rows = [read, stream].map((group) => [
      group.title,
      formatRate(group.results[0]!.rate),
      formatRate(group.results[1]!.rate),
      `${ratioOf(group).toFixed(2)}×`,
      perRound(group),
    ]);
    log(`\nread ${ratioOf(read).toFixed(2)}x, stream ${ratioOf(stream).toFixed(2)}x of the same read without upcasters`);
    const section = `<!-- upcast:start -->
## Reads with upcasting (issue 15)

${events.toLocaleString('en-US')} version-1 deposits read by a store without upcasters and by one whose two upcasters bring every
event to version 3, on the same table, in ${plan.rounds} interleaved rounds of ${plan.roundMs} ms (medians; target ≥ 0.8×).

${mdTable(['read path', 'events/s without', 'events/s upcasting every event', 'ratio', 'ratio per round'], rows)}

- Command: \`DATABASE_URL=… pnpm --filter @tally/bench run bench:upcast\` (\`bench/src/upcast.ts\`), revision ${revision()},
  ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average at start ${load}; nproc ${machine.cpus}, ${machine.postgres.split(' on ')[0]}.
<!-- upcast:end -->
`;
    log(`wrote ${await writeMarkedSection('upcast', section)}`);
  } finally {
    await oldStore.close();
    await newStore.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
