/**
 * `pnpm --filter @tally/bench run bench:encrypt`: append throughput with one personal field encrypted
 * (`personalData` on `MoneyDeposited.depositId`, subject the account; each client appends round-robin to its
 * BENCH_ACCOUNTS (100) accounts, whose keys exist: made before the rounds) against the same appends on a store
 * without it, 1 and 8 clients, in the same interleaved rounds, with a control: the plain store writing a random
 * depositId as long as the envelope (what the bigger row costs, without encryption); the default reuses a fetched key for `subjectKeyCacheMs` (60 s), and `subjectKeyCacheMs: 0` fetches it at every append. Target: ≥ 0.9×, as the median of the per-round ratios (rounds alternate their order). Prints the ratios; writes no document.
 *   DATABASE_URL=… BENCH_ROUNDS=9 BENCH_ROUND_MS=1500 tsx src/encrypt.ts
 */
import { randomBytes } from 'node:crypto';
import { createEventStore } from '@tally/eventstore';
import { createBenchDatabase } from './db.js';
import { deposit, type DepositData, type TallyBenchEvent } from './events.js';
import { describeCpu, formatRate, intEnv, pairedRatio, runClients, runGroup, type Contender, type GroupResult, type RoundPlan } from './measure.js';
import type { BenchStore } from './tally.js';

/** Accounts each client appends to, round-robin: subjects whose keys exist (created before the rounds). */
const ACCOUNTS = intEnv('BENCH_ACCOUNTS', 100);
const accountOf = (client: number, i: number) => `enc-${client}-${i % ACCOUNTS}`;

/** One deposit per call from `clients` loops over their accounts; `sized`: its depositId as long as an envelope. */
function appendTo(store: BenchStore, label: string, clients: number, sized = false): Contender {
  return {
    label,
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        const event = deposit(accountOf(client, i), i);
        await store.append([sized ? { ...event, data: { ...event.data, depositId: envelopeSized() } } : event]);
        return { events: 1 };
      }),
  };
}

/**
 * A random text as long as the envelope of a depositId (`tally:enc:v1:` + subject hash + nonce, ciphertext and
 * tag in base64url: 145 characters against the UUID's 36): the control that tells the bigger row's share of the
 * cost from the encryption's.
 */
const sizedValues = Array.from({ length: 4096 }, () => `tally:enc:v1:${randomBytes(32).toString('base64url')}:${randomBytes(66).toString('base64url')}`);
let sizedNext = 0;
/** Made before the rounds, so that the control's loop does no more work than the plain one's. */
const envelopeSized = () => sizedValues[sizedNext++ % sizedValues.length]!;

/** One event per account of every client, so that the rounds measure appends whose subject has its key. */
async function warm(store: BenchStore, clients: number): Promise<void> {
  for (let client = 0; client < clients; client++) {
    await store.append(Array.from({ length: ACCOUNTS }, (_, i) => deposit(accountOf(client, i), i)));
  }
}

const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 9), roundMs: intEnv('BENCH_ROUND_MS', 1500), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const log = (line: string) => console.log(line);

function ratio(group: GroupResult): string {
  const [plain, ...others] = group.results;
  const lines = others.map((e) => {
    const perRound = e.rates.map((rate, i) => (rate / plain!.rates[i]!).toFixed(2)).join(' ');
    const value = pairedRatio(plain!, e);
    const verdict = e.label === 'encrypted' ? (value >= 0.9 ? ' met' : ' NOT met') : '';
    return `${e.label} ${formatRate(e.rate)}/s vs plain ${formatRate(plain!.rate)}/s: ${value.toFixed(2)}x (median of per-round ratios ${perRound}; ratio of medians ${(e.rate / plain!.rate).toFixed(2)}x)${verdict}\n    ${describeCpu(plain!, e)}`;
  });
  const encrypted = others.find((e) => e.label === 'encrypted');
  const sized = others.find((e) => e.label === 'plain, envelope-sized value');
  if (encrypted && sized) lines.push(`encrypted vs plain with an envelope-sized value (the encryption alone): ${pairedRatio(sized, encrypted).toFixed(2)}x\n    ${describeCpu(sized, encrypted)}`);
  return lines.join('\n  ');
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
    const sides = (clients: number) => [
      appendTo(plain, 'plain', clients),
      appendTo(encrypted, 'encrypted', clients),
      appendTo(plain, 'plain, envelope-sized value', clients, true),
      appendTo(cached, 'encrypted, no key cache', clients),
    ];
    const one = await runGroup('encrypt1', 'append 1 event/call, 1 client', sides(1), plan, log);
    const eight = await runGroup('encrypt8', 'append 1 event/call, 8 clients', sides(8), plan, log);
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
