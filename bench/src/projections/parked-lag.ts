/**
 * Steady-state lag of a projection while a parked event holds back its tag (issue 13): a ledger projection
 * (`onError: 'park'`, `holdParkedTags` default) at a paced 500 single-event appends/s over 50 accounts, first with
 * an empty park (baseline), then with one account's poison event parked, so that account's later events (~2 %)
 * are held behind it while the other 49 flow. Both phases in one run, on one fresh database (dropped at the end).
 * Latency: from the append's resolve to the handler seeing the event (same process). Then the fix: the time
 * `retryParked` takes to apply the poison and everything held behind it.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:parked
 *
 * BENCH_PARKED_WINDOW_MS (default 20000) sets each phase's window; BENCH_PARKED_HOLD=0 parks without holding the
 * account's later events (`holdParkedTags: false`), to tell the cost of holding from the cost of parking;
 * BENCH_PARKED_CONTROL=1 runs the second phase with nothing parked (and writes no section), to tell both from the cost
 * of the run's own length. Writes docs/benchmarks.md between
 * `<!-- parked:start -->` and `<!-- parked:end -->`.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { createEventStore } from '@tally/eventstore';
import { createProjector, defineProjection } from '@tally/projections';
import { sql } from 'kysely';
import { createBenchDatabase, machineInfo } from '../db.js';
import { writeMarkedSection } from '../doc-sections.js';
import { latencyResult, pacedAppends, sleep, type LatencyResult } from '../eventstream/common.js';
import type { TallyBenchEvent } from '../events.js';
import { intEnv } from '../measure.js';
import { mdTable, textTable } from '../tables.js';

const rate = 500;
const windowMs = intEnv('BENCH_PARKED_WINDOW_MS', 20_000);
const accounts = 50;
const control = process.env.BENCH_PARKED_CONTROL === '1';
const poisonAmount = -1;
const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10 });
  const seenAt = new Map<string, number>();
  let fixed = false;
  const ledger = defineProjection<TallyBenchEvent, Record<string, { account_id: string }>>({
    name: 'bench-ledger',
    version: 1,
    query: [{ types: ['MoneyDeposited'] }],
    onError: 'park',
    holdParkedTags: process.env.BENCH_PARKED_HOLD !== '0',
    setup: async (trx) => {
      await sql`CREATE TABLE IF NOT EXISTS bench_ledger (account_id text NOT NULL, position bigint PRIMARY KEY, running bigint NOT NULL)`.execute(trx);
      await sql`CREATE INDEX IF NOT EXISTS bench_ledger_account ON bench_ledger (account_id, position)`.execute(trx);
    },
    reset: async (trx) => {
      await sql`DELETE FROM bench_ledger`.execute(trx);
    },
    handle: async (events, trx) => {
      if (!fixed && events.some((e) => e.data.amount === poisonAmount)) throw new Error('poison deposit');
      const ids = events.map((e) => e.data.accountId);
      const positions = events.map((e) => e.position.toString());
      const amounts = events.map((e) => e.data.amount);
      // Running balances in order: each line adds its amount to the account's last line (within the batch too).
      await sql`INSERT INTO bench_ledger (account_id, position, running)
        SELECT e.account_id, e.position, coalesce((SELECT running FROM bench_ledger l WHERE l.account_id = e.account_id ORDER BY position DESC LIMIT 1), 0)
               + sum(e.amount) OVER (PARTITION BY e.account_id ORDER BY e.position)
        FROM unnest(${ids}::text[], ${positions}::bigint[], ${amounts}::bigint[]) AS e(account_id, position, amount)`.execute(trx);
      const now = performance.now();
      for (const event of events) seenAt.set(event.id, now);
    },
  });
  const projector = createProjector({ store, projections: [ledger], connectionString: db.url, maxAttempts: 2, retryDelayMs: 20, pollIntervalMs: 200 });
  try {
    await store.migrate();
    await projector.start();
    const info = await machineInfo(db);
    const append = (i: number) => {
      const id = randomUUID();
      const accountId = `acct-${i % accounts}`;
      return store.append([{ id, type: 'MoneyDeposited', data: { accountId, amount: 1 + (i % 7), depositId: id }, tags: [`account:${accountId}`] }]).then(() => id);
    };
    const phase = async (label: string, offset: number): Promise<{ label: string; latency: LatencyResult; maxLag: number; held: number }> => {
      const committedAt = new Map<string, number>();
      let maxLag = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          maxLag = Math.max(maxLag, (await projector.status())[0]!.lagEvents);
          await sleep(500);
        }
      })();
      const { failed, seconds } = await pacedAppends(rate, windowMs, (i) => append(offset + i), committedAt);
      await sleep(2000); // the last appends reach the handler (or the park)
      sampling = false;
      await sampler;
      const status = (await projector.status())[0]!;
      return { label, latency: latencyResult(committedAt, seenAt, failed, seconds), maxLag, held: status.heldEvents };
    };
    log(`parked-lag: ${rate} appends/s, ${windowMs} ms per phase, ${accounts} accounts`);
    const baseline = await phase('empty park (baseline)', 0);
    if (control) {
      // The control: a second phase exactly like the first, nothing parked, to tell what parking costs from
      // what a longer run costs by itself (a growing ledger, the bench's own bookkeeping).
      const second = await phase('empty park again (control)', 1_000_000);
      log(textTable(['phase', 'appended', 'applied', 'p50 ms', 'p99 ms', 'max ms', 'max lagEvents'], [baseline, second].map((p) => [
        p.label, String(p.latency.appended), String(p.latency.delivered), p.latency.p50.toFixed(1), p.latency.p99.toFixed(1), p.latency.max.toFixed(1), String(p.maxLag),
      ])));
      return;
    }
    const poisonId = randomUUID();
    await store.append([{ id: poisonId, type: 'MoneyDeposited', data: { accountId: 'acct-0', amount: poisonAmount, depositId: poisonId }, tags: ['account:acct-0'] }]);
    let parked = false;
    for (let t = 0; t < 60 && !parked; t++) {
      parked = (await projector.status())[0]!.parkedEvents === 1;
      if (!parked) await sleep(500);
    }
    if (!parked) throw new Error('the poison event was not parked within 30 s');
    const holding = await phase('acct-0 parked: its later events held', 1_000_000);
    fixed = true;
    const retryStart = performance.now();
    const outcome = await projector.retryParked('bench-ledger');
    const retryMs = performance.now() - retryStart;

    const header = ['phase', 'appended', 'applied', 'held at end', 'p50 ms', 'p99 ms', 'max ms', 'max lagEvents'];
    const rows = [baseline, holding].map((p) => [
      p.label,
      String(p.latency.appended),
      String(p.latency.delivered),
      String(p.held),
      p.latency.p50.toFixed(1),
      p.latency.p99.toFixed(1),
      p.latency.max.toFixed(1),
      String(p.maxLag),
    ]);
    log(textTable(header, rows));
    log(`retryParked after the fix: ${outcome.applied.length} events applied (the poison and those held) in ${retryMs.toFixed(0)} ms; failed ${outcome.failed.length}`);
    const section = [
      '<!-- parked:start -->',
      '## Projection lag while a parked event holds back its tag',
      '',
      `\`DATABASE_URL=… pnpm --filter @tally/bench run bench:parked\` (${new Date().toISOString().slice(0, 16)} UTC, ${info.cpus} cores, PostgreSQL ${info.postgres}, load ${loadavg()[0]!.toFixed(2)} at the end): a ledger projection ` +
        `(\`onError: 'park'\`, tags held) at ${rate} single-event appends/s over ${accounts} accounts, ${windowMs / 1000} s per phase, one after the other in one run. ` +
        'Latency: from the append resolving to the handler seeing the event (same process); held events are not counted as applied. ' +
        '`max lagEvents`: the largest `status().lagEvents` sampled every 500 ms (held events are behind the checkpoint, so they are not lag).',
      '',
      mdTable(header, rows),
      '',
      `After the fix, \`retryParked\` applied ${outcome.applied.length} events (the poison and everything held behind it, in order) in ${retryMs.toFixed(0)} ms, ${outcome.failed.length} failed.`,
      '<!-- parked:end -->',
      '',
    ].join('\n');
    log(`wrote ${await writeMarkedSection('parked', section)}`);
  } finally {
    await projector.stop({ timeoutMs: 5000 });
    await store.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
