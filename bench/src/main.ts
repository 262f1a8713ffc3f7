import { readFile, writeFile } from 'node:fs/promises';
import { withMarkedSections } from './doc-sections.js';
import { createEventStore, type NotifyMode } from '@tally/eventstore';
import { createBenchDatabase, machineInfo } from './db.js';
import { analyzeAppendTables, checkpoint, describeTable } from './diagnostics.js';
import { EmmettPeer } from './emmett.js';
import type { TallyBenchEvent } from './events.js';
import { describeError, intEnv, runGroup, type Contender, type GroupResult, type RoundPlan } from './measure.js';
import { createRawSchema, rawAppend } from './raw.js';
import { groupIds, labels, renderMarkdown, renderText, type BenchResults } from './report.js';
import { runSeededScenarios } from './seeded.js';
import { tallyAppend, tallyConditionalCarried, tallyConditionalDistinct, tallyConditionalHot, type BenchStore } from './tally.js';


const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 5), roundMs: intEnv('BENCH_ROUND_MS', 2000), warmupMs: intEnv('BENCH_WARMUP_MS', 500) };
const latencySamples = intEnv('BENCH_LATENCY_SAMPLES', 2000);
const seedEvents = Math.max(10_000, intEnv('BENCH_SEED_EVENTS', 1_000_000));

const log = (line: string) => console.log(line);

/** The command as it was run, with a password in DATABASE_URL masked. */
function commandLine(): string {
  const env: string[] = [];
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    if (url.password) url.password = '***';
    env.push(`DATABASE_URL=${url.toString()}`);
  }
  for (const name of ['BENCH_ROUNDS', 'BENCH_ROUND_MS', 'BENCH_WARMUP_MS', 'BENCH_LATENCY_SAMPLES', 'BENCH_SEED_EVENTS']) {
    if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  }
  // pnpm names the script it runs: bench:store runs this file alone, `pnpm bench` runs it first of several.
  const script = process.env.npm_lifecycle_event;
  return [...env, script && script !== 'bench' ? `pnpm --filter @tally/bench run ${script}` : 'pnpm bench'].join(' ');
}

const failed = (label: string, reason: string): Contender => ({ label, round: () => Promise.reject(new Error(reason)) });

async function emmettVersion(): Promise<string> {
  const file = new URL('../node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url);
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const db = await createBenchDatabase();
  process.once('SIGINT', () => void db.drop().finally(() => process.exit(130)));
  log(`Tally bench on database ${db.name} (server: ${db.backend}); ${plan.rounds} rounds × ${plan.roundMs} ms per contender`);

  const stores: BenchStore[] = [];
  let emmett: EmmettPeer | undefined;
  try {
    const machine = await machineInfo(db);
    const newStore = (notify: NotifyMode, schema = 'tally') => {
      const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10, schema, notify });
      stores.push(store);
      return store;
    };

    // Latency at 1k and 1M events, and reads of the 1M store, in a schema of their own.
    const lat = newStore('after-commit', 'tally_lat');
    await lat.migrate();
    const seeded = await runSeededScenarios(db.url, lat, seedEvents, latencySamples, plan, log);
    const notes = [...seeded.notes];
    await checkpoint(db.url);

    // Append throughput: raw, Tally (three notify modes) and Emmett, interleaved on the same database.
    await createRawSchema(db.url);
    const tally = newStore('after-commit');
    await tally.migrate();
    const tallyInTransaction = newStore('in-transaction');
    const tallyOff = newStore('off');
    let emmettStatus: BenchResults['emmett'];
    try {
      const started = await EmmettPeer.start(db.url);
      emmett = started.peer;
      emmettStatus = {
        ok: true,
        detail:
          `@event-driven-io/emmett-postgresql ${await emmettVersion()} ran every scenario, in a worker thread, on the same database ` +
          `(its emt_* tables in the public schema). It creates its schema lazily on the first append by default; the bench calls ` +
          `store.schema.migrate() before the first round so no round pays for it, and store.close() at the end. Each append is ` +
          `BEGIN; SELECT emt_append_to_stream(…); COMMIT (3 round trips), which also upserts the stream's row in emt_streams.`,
      };
    } catch (error) {
      emmettStatus = { ok: false, detail: `Emmett could not start, so no Emmett scenario ran: ${describeError(error)}` };
      log(emmettStatus.detail);
    }
    const emmettContender = (clients: number, batch: number) => emmett?.contender(clients, batch) ?? failed(labels.emmett, emmettStatus.detail);
    const analyze = () => analyzeAppendTables(db.url);

    const groups: GroupResult[] = seeded.read ? [seeded.read] : [];
    groups.push(
      await runGroup(groupIds.single1, 'append 1 event/call, 1 client', [
        rawAppend(db.url, 1, 1),
        tallyAppend(tally, labels.tally, 1, 1),
        emmettContender(1, 1),
      ], plan, log, analyze),
    );
    groups.push(
      await runGroup(groupIds.single8, 'append 1 event/call, 8 clients', [
        rawAppend(db.url, 8, 1),
        tallyAppend(tally, labels.tally, 8, 1),
        tallyAppend(tallyInTransaction, labels.tallyInTransaction, 8, 1),
        tallyAppend(tallyOff, labels.tallyOff, 8, 1),
        tallyConditionalDistinct(tally, 8),
        tallyConditionalCarried(tally, 8),
        tallyConditionalHot(tally, 8),
        emmettContender(8, 1),
      ], plan, log, analyze),
    );
    notes.push(`After the 8-client single-event rounds (the conditional ones among them): ${await describeTable(db.url, 'tally')}.`);
    groups.push(
      await runGroup(groupIds.batch1, 'append 100 events/call, 1 client', [
        rawAppend(db.url, 1, 100),
        tallyAppend(tally, labels.tally, 1, 100),
        emmettContender(1, 100),
      ], plan, log, analyze),
    );
    groups.push(
      await runGroup(groupIds.batch8, 'append 100 events/call, 8 clients', [
        rawAppend(db.url, 8, 100),
        tallyAppend(tally, labels.tally, 8, 100),
        emmettContender(8, 100),
      ], plan, log, analyze),
    );

    const results: BenchResults = {
      command: commandLine(),
      startedAt,
      finishedAt: new Date(),
      machine,
      plan: { ...plan, latencySamples, seedEvents },
      groups,
      latency: seeded,
      emmett: emmettStatus,
      notes,
    };
    log(`\n${renderText(results)}`);
    const doc = new URL('../../docs/benchmarks.md', import.meta.url);
    const existing = await readFile(doc, 'utf8').catch(() => '');
    await writeFile(doc, withMarkedSections(renderMarkdown(results), existing));
    log(`\nWrote ${doc.pathname}`);
  } finally {
    await emmett?.close().catch(() => undefined);
    await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
