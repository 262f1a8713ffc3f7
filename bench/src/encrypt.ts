/**
 * `pnpm --filter @tally/bench run bench:encrypt`: append throughput with one personal field encrypted
 * (`personalData` on `MoneyDeposited.depositId`, subject the account; each client appends round-robin to its
 * BENCH_ACCOUNTS (100) accounts, whose keys exist: made before the rounds) against the same appends on a store
 * without it, 1 and 8 clients, in the same interleaved rounds; the default reuses a fetched key for `subjectKeyCacheMs` (60 s), and `subjectKeyCacheMs: 0` fetches it at every append. Target: ≥ 0.9×, as the median of the per-round ratios (rounds alternate their order). Prints the ratios; writes no document.
 *   DATABASE_URL=… BENCH_ROUNDS=9 BENCH_ROUND_MS=1500 tsx src/encrypt.ts
 */
import { randomBytes } from 'node:crypto';
import { createEventStore } from '@tally/eventstore';
import { createBenchDatabase } from './db.js';
import { deposit, type DepositData, type TallyBenchEvent } from './events.js';
import { formatRate, intEnv, pairedRatio, runClients, runGroup, type Contender, type GroupResult, type RoundPlan } from './measure.js';
import type { BenchStore } from './tally.js';

/** Accounts each client appends to, round-robin: subjects whose keys exist (created before the rounds). */
const ACCOUNTS = intEnv('BENCH_ACCOUNTS', 100);
const accountOf = (client: number, i: number) => `enc-${client}-${i % ACCOUNTS}`;

/** One deposit per call from `clients` loops over their accounts. */
function appendTo(store: BenchStore, label: string, clients: number): Contender {
  return {
    label,
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        await store.append([deposit(accountOf(client, i), i)]);
        return { events: 1 };
      }),
  };
}

/** One event per account of every client, so that the rounds measure appends whose subject has its key. */
async function warm(store: BenchStore, clients: number): Promise<void> {
  for (let client = 0; client < clients; client++) {
    await store.append(Array.from({ length: ACCOUNTS }, (_, i) => deposit(accountOf(client, i), i)));
  }
}

const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 9), roundMs: intEnv('BENCH_ROUND_MS', 1500), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const log = (line: string) => console.log(line);

function ratio(group: GroupResult): string {
  const [plain, ...encrypted] = group.results;
  return encrypted
    .map((e) => {
      const perRound = e.rates.map((rate, i) => (rate / plain!.rates[i]!).toFixed(2)).join(' ');
      const value = pairedRatio(plain!, e);
      return `${e.label} ${formatRate(e.rate)}/s vs plain ${formatRate(plain!.rate)}/s: ${value.toFixed(2)}x (median of per-round ratios ${perRound}; ratio of medians ${(e.rate / plain!.rate).toFixed(2)}x) ${value >= 0.9 ? 'met' : 'NOT met'}`;
    })
    .join('\n  ');
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const key = randomBytes(32);
  const plain = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10 });
  const encrypted = createEventStore<TallyBenchEvent>({
    connectionString: db.url,
    maxConnections: 10,
    personalData: { MoneyDeposited: { subject: (data: DepositData) => data.accountId, fields: ['depositId'] } },
    encryptionKey: key,
  });
  const cached = createEventStore<TallyBenchEvent>({
    connectionString: db.url,
    maxConnections: 10,
    personalData: { MoneyDeposited: { subject: (data: DepositData) => data.accountId, fields: ['depositId'] } },
    encryptionKey: key,
    subjectKeyCacheMs: 0,
  });
  try {
    await plain.migrate();
    await warm(encrypted, 8); // the same key and tag secret: the cached store finds these subjects' keys too
    const one = await runGroup('encrypt1', 'append 1 event/call, 1 client', [appendTo(plain, 'plain', 1), appendTo(encrypted, 'encrypted', 1), appendTo(cached, 'encrypted, no key cache', 1)], plan, log);
    const eight = await runGroup('encrypt8', 'append 1 event/call, 8 clients', [appendTo(plain, 'plain', 8), appendTo(encrypted, 'encrypted', 8), appendTo(cached, 'encrypted, no key cache', 8)], plan, log);
    log(`\n1 client:\n  ${ratio(one)}\n8 clients:\n  ${ratio(eight)}`);
  } finally {
    await Promise.all([plain.close(), encrypted.close(), cached.close()]);
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
