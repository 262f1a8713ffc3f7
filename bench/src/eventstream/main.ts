/**
 * Benchmark of `@tally/eventstream` subscriptions, with Emmett's PostgreSQL consumer as a peer, in one run on
 * one fresh database (dropped at the end):
 *
 * 1. commit-to-handler latency at a steady append rate (NOTIFY, and polling only);
 * 2. catch-up delivery throughput over a seeded store;
 * 3. completeness (lost / duplicated events) under 8 concurrent writers.
 *
 * Prints a table and writes docs/benchmarks.md between `<!-- eventstream:start -->` and `<!-- eventstream:end -->`.
 * Run from bench/: `tsx src/eventstream/main.ts`.
 */
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { createEventStore, type NewEvent, type NotifyMode } from '@tally/eventstore';
import { createEventStream } from '@tally/eventstream';
import { createBenchDatabase, machineInfo, type MachineInfo } from '../db.js';
import { deposit, type TallyBenchEvent } from '../events.js';
import { seedEvents } from '../latency.js';
import { describeError, formatRate, runClients } from '../measure.js';
import {
  completenessResult,
  countDelivery,
  latencyResult,
  pacedAppends,
  sleep,
  waitUntil,
  type CatchUpResult,
  type CompletenessResult,
  type LatencyResult,
} from './common.js';
import type { EmmettMessage, EmmettPlan, EmmettResults } from './emmett-consumer-worker.js';
import { mdTable, textTable } from '../tables.js';
import { writeMarkedSection } from '../doc-sections.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';

const latencyRate = 500;
/** Emmett's default consumer tops out near 1,000 events/s here, so 500/s queues up behind it: it gets half. */
const emmettLatencyRate = 250;
const latencyMs = 10_000;
const latencyDrainMs = 5_000;
const catchUpEvents = 200_000;
const catchUpBatch = 1000;
const catchUpRuns = 3;
const clients = 8;
const completenessMs = 5_000;
const completenessWaitMs = 30_000;
const emmettSeedEvents = 20_000;
const emmettCatchUpTimeoutMs = 15_000;

const log = (line: string) => console.log(line);

interface LatencyCase {
  readonly label: string;
  readonly notify: NotifyMode;
  readonly pollIntervalMs: number;
  result?: LatencyResult;
  error?: string;
}

interface Results {
  readonly startedAt: Date;
  machine?: MachineInfo;
  readonly latency: LatencyCase[];
  catchUp: CatchUpResult[];
  catchUpError?: string;
  completeness?: CompletenessResult;
  completenessError?: string;
  emmett?: EmmettResults;
  emmettError?: string;
  emmettVersion?: string;
  seedSeconds?: number;
}

type Store = ReturnType<typeof createEventStore<TallyBenchEvent>>;

/** A deposit as a Tally event, its id the deposit id (so both peers key deliveries the same way). */
function tallyDeposit(account: string, n: number): NewEvent<TallyBenchEvent> {
  const event = deposit(account, n);
  return { id: event.data.depositId, type: event.type, data: event.data, tags: event.tags, metadata: event.metadata };
}

async function measureLatency(url: string, schema: string, c: LatencyCase): Promise<LatencyResult> {
  const store: Store = createEventStore<TallyBenchEvent>({ connectionString: url, schema, notify: c.notify, maxConnections: 10 });
  await store.migrate();
  const stream = createEventStream({ store, connectionString: url, pollIntervalMs: c.pollIntervalMs });
  stream.on('error', (error) => log(`  stream error: ${describeError(error)}`));
  const committedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  try {
    const sub = stream.subscribe({ after: 'end', batchSize: 100, maxWaitMs: 0 }, (batch) => {
      const now = performance.now();
      for (const event of batch) if (!seenAt.has(event.id)) seenAt.set(event.id, now);
    });
    sub.on('error', (error) => log(`  subscription error: ${describeError(error)}`));
    const ready = await waitUntil(() => sub.checkpoint !== undefined && (c.notify === 'off' || stream.listening), 5000);
    if (!ready) throw new Error('subscription did not start within 5 s');
    // Warm-up: a few appends so pools and prepared paths exist before measuring.
    for (let i = 0; i < 20; i++) await store.append([tallyDeposit(`warm-${schema}`, i)]);
    await sleep(Math.min(1500, c.pollIntervalMs + 200));
    const run = await pacedAppends(
      latencyRate,
      latencyMs,
      async (i) => {
        const event = tallyDeposit(`lat-${i % 1000}`, i);
        await store.append([event]);
        return event.id!;
      },
      committedAt,
    );
    await waitUntil(() => [...committedAt.keys()].every((id) => seenAt.has(id)), latencyDrainMs, 20);
    return latencyResult(committedAt, seenAt, run.failed, run.seconds);
  } finally {
    await stream.close();
    await store.close();
  }
}

async function measureCatchUp(url: string, results: Results): Promise<void> {
  const store: Store = createEventStore<TallyBenchEvent>({ connectionString: url, notify: 'off' });
  try {
    await store.migrate();
    results.seedSeconds = await seedEvents(url, 'tally', 0, catchUpEvents, `'cu-' || (g % 20000)`, catchUpEvents, log);
    for (let run = 0; run < catchUpRuns; run++) {
      const stream = createEventStream({ store, connectionString: url });
      let delivered = 0;
      try {
        const t0 = performance.now();
        stream.subscribe({ after: 'start', batchSize: catchUpBatch }, (batch) => {
          delivered += batch.length;
        });
        const complete = await waitUntil(() => delivered >= catchUpEvents, 60_000, 1);
        const seconds = (performance.now() - t0) / 1000;
        const r = { events: delivered, seconds, rate: delivered / seconds, complete };
        results.catchUp.push(r);
        log(`  catch-up run ${run + 1}: ${delivered.toLocaleString('en-US')} events in ${seconds.toFixed(2)} s = ${formatRate(r.rate)} events/s`);
      } finally {
        await stream.close();
      }
    }
  } finally {
    await store.close();
  }
}

async function measureCompleteness(url: string): Promise<CompletenessResult> {
  const store: Store = createEventStore<TallyBenchEvent>({ connectionString: url, schema: 'es_complete', maxConnections: clients + 2 });
  await store.migrate();
  const stream = createEventStream({ store, connectionString: url });
  const written = new Set<string>();
  const deliveries = new Map<string, number>();
  let failed = 0;
  let lastDeliveryAt = performance.now();
  try {
    const sub = stream.subscribe({ after: 'end' }, (batch) => {
      lastDeliveryAt = performance.now();
      for (const event of batch) countDelivery(deliveries, event.id);
    });
    sub.on('error', (error) => log(`  subscription error: ${describeError(error)}`));
    await waitUntil(() => sub.checkpoint !== undefined && stream.listening, 5000);
    const round = await runClients(clients, completenessMs, async (client, i) => {
      const event = tallyDeposit(`cmp-${client}-${i % 1000}`, i);
      try {
        await store.append([event]);
        written.add(event.id!);
        return { events: 1 };
      } catch {
        failed++;
        return { events: 0 };
      }
    });
    const t0 = performance.now();
    const caughtUp = await waitUntil(() => [...written].every((id) => deliveries.has(id)), completenessWaitMs, 20);
    const drainMs = performance.now() - t0;
    const idleAtEndMs = performance.now() - lastDeliveryAt;
    await sleep(1000); // late duplicates, if any
    return completenessResult(clients, round.seconds, written, failed, deliveries, drainMs, caughtUp, idleAtEndMs);
  } finally {
    await stream.close();
    await store.close();
  }
}

/** Runs the Emmett side in a worker thread (TypeScript loaded through tsx's loader, as ../emmett.ts does). */
function runEmmett(plan: EmmettPlan): Promise<EmmettResults> {
  const target = new URL('./emmett-consumer-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(target)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: plan });
  return new Promise<EmmettResults>((resolve, reject) => {
    worker.on('message', (message: EmmettMessage) => {
      if (message.kind === 'log') log(message.line);
      else if (message.kind === 'result') resolve(message.results);
      else reject(new Error(message.error));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`Emmett worker exited (code ${code})`)));
  }).finally(() => void worker.terminate());
}

async function emmettVersion(): Promise<string> {
  const file = new URL('../../node_modules/@event-driven-io/emmett-postgresql/package.json', import.meta.url);
  return (JSON.parse(await readFile(file, 'utf8')) as { version: string }).version;
}

// ---------------------------------------------------------------- report

const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const int = (x: number): string => x.toLocaleString('en-US');

interface Row {
  readonly cells: readonly string[];
}

function tables(r: Results): { latency: Row[]; catchUp: Row[]; completeness: Row[] } {
  const latency: Row[] = r.latency.map((c) =>
    c.result
      ? {
          cells: [
            c.label,
            formatRate(c.result.appendRate),
            ms(c.result.p50),
            ms(c.result.p99),
            ms(c.result.max),
            `${int(c.result.delivered)} / ${int(c.result.appended)}`,
          ],
        }
      : { cells: [c.label, 'FAILED', c.error ?? '', '', '', ''] },
  );
  const e = r.emmett;
  const emmettLatencyLabel = 'emmett consumer (defaults: poll 50 ms, backs off to 1 s when idle)';
  if (e?.latency) {
    latency.push({
      cells: [
        emmettLatencyLabel,
        formatRate(e.latency.appendRate),
        ms(e.latency.p50),
        ms(e.latency.p99),
        ms(e.latency.max),
        `${int(e.latency.delivered)} / ${int(e.latency.appended)}`,
      ],
    });
  } else latency.push({ cells: [emmettLatencyLabel, 'FAILED', e?.latencyError ?? r.emmettError ?? '', '', '', ''] });

  const catchUp: Row[] = r.catchUp.map((c, i) => ({
    cells: [`tally eventstream, batchSize ${catchUpBatch}, run ${i + 1}`, int(c.events), c.seconds.toFixed(2), formatRate(c.rate), c.complete ? 'yes' : 'NO'],
  }));
  if (r.catchUpError) catchUp.push({ cells: ['tally eventstream', 'FAILED', r.catchUpError, '', ''] });
  if (e?.catchUp) {
    catchUp.push({
      cells: ['emmett consumer (defaults: batch 100, 50 ms between batches)', int(e.catchUp.events), e.catchUp.seconds.toFixed(2), formatRate(e.catchUp.rate), e.catchUp.complete ? 'yes' : 'NO (timed out)'],
    });
  } else catchUp.push({ cells: ['emmett consumer', 'FAILED', e?.catchUpError ?? r.emmettError ?? '', '', ''] });

  const completenessRow = (label: string, c: CompletenessResult | undefined, error: string | undefined): Row =>
    c
      ? {
          cells: [
            label,
            int(c.written),
            formatRate(c.written / c.seconds),
            int(c.lost),
            int(c.duplicated),
            int(c.unexpected),
            c.caughtUp
              ? `${Math.round(c.drainMs)} ms`
              : `NOT caught up after ${Math.round(c.drainMs)} ms (no delivery in the last ${Math.round(c.idleAtEndMs)} ms)`,
          ],
        }
      : { cells: [label, 'FAILED', error ?? '', '', '', '', ''] };
  const completeness = [
    completenessRow('tally eventstream (NOTIFY after-commit, poll 1000 ms)', r.completeness, r.completenessError),
    completenessRow('emmett consumer (defaults)', e?.completeness, e?.completenessError ?? r.emmettError),
  ];
  return { latency, catchUp, completeness };
}

const latencyHead = ['subscription', 'appends/s', 'p50 ms', 'p99 ms', 'max ms', 'delivered / appended'];
const catchUpHead = ['subscription', 'events', 'seconds', 'events/s', 'all delivered'];
const completenessHead = ['subscription', 'events written', 'appends/s', 'lost', 'duplicated', 'unknown ids', 'caught up after writers stopped'];



interface Target {
  readonly text: string;
  readonly met: boolean;
  readonly detail: string;
}

function targets(r: Results): Target[] {
  const c = r.completeness;
  const notify = r.latency.find((l) => l.notify !== 'off')?.result;
  const sortedCatchUp = [...r.catchUp].sort((a, b) => a.rate - b.rate);
  const medianCatchUp = sortedCatchUp[Math.floor((sortedCatchUp.length - 1) / 2)];
  return [
    {
      text: '0 lost and 0 duplicated events (8 writers, 5 s)',
      met: c !== undefined && c.caughtUp && c.lost === 0 && c.duplicated === 0 && c.unexpected === 0,
      detail: c ? `${c.lost} lost, ${c.duplicated} duplicated of ${int(c.written)}` : `not measured: ${r.completenessError ?? ''}`,
    },
    {
      text: 'p50 ≤ 5 ms with NOTIFY',
      met: notify !== undefined && notify.p50 <= 5,
      detail: notify ? `p50 ${ms(notify.p50)} ms` : 'not measured',
    },
    {
      text: 'p99 ≤ 25 ms with NOTIFY',
      met: notify !== undefined && notify.p99 <= 25,
      detail: notify ? `p99 ${ms(notify.p99)} ms` : 'not measured',
    },
    {
      text: `catch-up ≥ 50,000 events/s (median of ${catchUpRuns} runs)`,
      met: medianCatchUp !== undefined && medianCatchUp.complete && medianCatchUp.rate >= 50_000,
      detail: medianCatchUp
        ? `median ${formatRate(medianCatchUp.rate)} events/s; runs ${r.catchUp.map((c) => formatRate(c.rate)).join(', ')}`
        : `not measured: ${r.catchUpError ?? ''}`,
    },
  ];
}

function commandLine(): string {
  const url = new URL(process.env.DATABASE_URL!);
  if (url.password) url.password = '***';
  return `cd bench && pnpm --filter "@tally/bench^..." run build && DATABASE_URL=${url.toString()} npx tsx src/eventstream/main.ts`;
}

function markdown(r: Results): string {
  const t = tables(r);
  const m = r.machine;
  const lines = [
    '<!-- eventstream:start -->',
    '## Subscriptions (`@tally/eventstream`)',
    '',
    `Run ${r.startedAt.toISOString()} with:`,
    '',
    '```sh',
    commandLine(),
    '```',
    '',
    m
      ? `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.totalMemoryGiB} GiB, Node ${m.node}, ${m.postgres.split(',')[0]}; load average at start ${m.loadAverage.join(' / ')}. ` +
        'The machine is shared and noisy (2 cores, other work running): treat single numbers as indicative, and compare rows of the same run.'
      : 'Machine: 2 cores, shared and noisy.',
    '',
    '### Targets',
    '',
    ...targets(r).map((x) => `- ${x.text}: **${x.met ? 'met' : 'NOT met'}** (${x.detail})`),
    '',
    `### Commit-to-handler latency, single-event appends for ${latencyMs / 1000} s (Tally ${latencyRate}/s, Emmett ${emmettLatencyRate}/s)`,
    '',
    `One appender issues one append every ${1000 / latencyRate} ms (Emmett: ${1000 / emmettLatencyRate} ms) on a timer` + ' (several may be in flight); the commit time is when `append` resolves, ' +
      'the delivery time is `performance.now()` in the handler. Tally subscriptions: `after: \'end\'`, batchSize 100, maxWaitMs 0. ' +
      `Events not delivered within ${latencyDrainMs / 1000} s after the last append count as not delivered.`,
    '',
    mdTable(latencyHead, t.latency.map((r) => r.cells)),
    '',
    `### Catch-up delivery`,
    '',
    `Tally: ${int(catchUpEvents)} events seeded with INSERT … SELECT generate_series into \`tally.events\` (7 types, account tags, 1 in 5 with a branch tag${r.seedSeconds === undefined ? '' : `; seeding took ${r.seedSeconds.toFixed(1)} s`}), ` +
      `a subscription \`after: 'start'\` with batchSize ${catchUpBatch} and a handler doing nothing, timed from subscribe to the last event; ${catchUpRuns} runs on the same data. ` +
      `Emmett: ${int(emmettSeedEvents)} events seeded the same way into \`emt_messages\`, plus what its earlier scenarios appended; a fresh reactor with its defaults reads all of them. ` +
      `Fewer events for Emmett, and a ${emmettCatchUpTimeoutMs / 1000} s cap (its rate is what arrived by then): its defaults pull 100 messages and then sleep 50 ms, so it cannot exceed about 2,000 events/s and 200k would take minutes.`,
    '',
    mdTable(catchUpHead, t.catchUp.map((r) => r.cells)),
    '',
    `### Completeness, ${clients} clients appending single events flat out for ${completenessMs / 1000} s`,
    '',
    `Each client has its own connection; every event has a unique id, recorded when its append resolved. A subscription runs meanwhile; after the writers stop, the run waits until every written event was delivered (at most ${completenessWaitMs / 1000} s), then 1 s more for late duplicates.`,
    '',
    mdTable(completenessHead, t.completeness.map((r) => r.cells)),
    '',
    '### Notes',
    '',
    `- Emmett: \`@event-driven-io/emmett-postgresql\` ${r.emmettVersion ?? '?'} \`postgreSQLEventStoreConsumer({ connectionString })\` with one \`consumer.reactor({ processorId, eachMessage })\`, all defaults, in a worker thread (Emmett replaces \`pg\`'s global type parsers). ` +
      'No `startFrom`, so each new processor starts from the beginning: its latency scenario runs first on an empty store, and its completeness and catch-up consumers also read the earlier scenarios\' events (ignored by id / counted in the catch-up total). ' +
      "`startFrom: 'END'` was not used: in 0.42.0 it resolves the end with `ORDER BY transaction_id, global_position LIMIT 1`, i.e. the first message, not the last.",
    '- Emmett appends go through `appendToStream`, one new stream per append. Its puller only reads transactions older than the oldest running one (`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`).',
    "- Emmett's lost events: its puller reads `ORDER BY transaction_id, global_position LIMIT 100` but continues from the last row's `global_position` (`global_position >= last + 1`). When a batch ends in a transaction whose events have higher positions than those of a later transaction, the later transaction's lower positions are skipped for good (a re-read from the beginning skips them again, see below). That is our reading of its 0.42.0 source, consistent with the numbers; a stalled consumer (no delivery for seconds while events are missing) rules out mere lag. Its 'unknown ids' are the latency scenario's events, re-read because a new processor starts from the beginning.",
    '- Tally latency with NOTIFY: store `notify: \'after-commit\'`, stream `pollIntervalMs: 1000`. Polling only: store `notify: \'off\'`, stream `pollIntervalMs` as stated in the row.',
    ...(r.emmettError ? [`- Emmett could not run: ${r.emmettError}`] : []),
    ...(r.emmett?.notes ?? []).map((n) => `- ${n}`),
    '<!-- eventstream:end -->',
  ];
  return `${lines.join('\n')}\n`;
}


async function main(): Promise<void> {
  const results: Results = {
    startedAt: new Date(),
    latency: [
      { label: 'tally, NOTIFY (after-commit), poll 1000 ms', notify: 'after-commit', pollIntervalMs: 1000 },
      { label: 'tally, polling only, poll 100 ms', notify: 'off', pollIntervalMs: 100 },
      { label: 'tally, polling only, poll 1000 ms (default)', notify: 'off', pollIntervalMs: 1000 },
    ],
    catchUp: [],
  };
  const db = await createBenchDatabase();
  process.once('SIGINT', () => void db.drop().finally(() => process.exit(130)));
  log(`eventstream bench on database ${db.name} (server: ${db.backend})`);
  try {
    results.machine = await machineInfo(db);
    log('\n## Latency (tally)');
    for (const [n, c] of results.latency.entries()) {
      try {
        c.result = await measureLatency(db.url, `es_lat_${n}`, c);
        log(`  ${c.label}: ${formatRate(c.result.appendRate)} appends/s, p50 ${ms(c.result.p50)} ms, p99 ${ms(c.result.p99)} ms, max ${ms(c.result.max)} ms`);
      } catch (error) {
        c.error = describeError(error);
        log(`  ${c.label}: FAILED: ${c.error}`);
      }
    }
    log('\n## Catch-up (tally)');
    try {
      await measureCatchUp(db.url, results);
    } catch (error) {
      results.catchUpError = describeError(error);
      log(`  FAILED: ${results.catchUpError}`);
    }
    log('\n## Completeness (tally)');
    try {
      results.completeness = await measureCompleteness(db.url);
      const c = results.completeness;
      log(`  written ${int(c.written)}, delivered ${int(c.delivered)}, lost ${c.lost}, duplicated ${c.duplicated}, drained in ${Math.round(c.drainMs)} ms`);
    } catch (error) {
      results.completenessError = describeError(error);
      log(`  FAILED: ${results.completenessError}`);
    }
    try {
      results.emmettVersion = await emmettVersion();
      results.emmett = await runEmmett({
        url: db.url,
        latencyRate: emmettLatencyRate,
        latencyMs,
        drainMs: latencyDrainMs,
        clients,
        completenessMs,
        completenessWaitMs,
        seedEvents: emmettSeedEvents,
        catchUpTimeoutMs: emmettCatchUpTimeoutMs,
      });
    } catch (error) {
      results.emmettError = describeError(error);
      log(`  Emmett FAILED: ${results.emmettError}`);
    }
  } finally {
    await db.drop();
  }

  const t = tables(results);
  log('');
  log(`Latency, single-event appends for ${latencyMs / 1000} s (tally ${latencyRate}/s, emmett ${emmettLatencyRate}/s)`);
  log(textTable(latencyHead, t.latency.map((r) => r.cells)));
  log('');
  log('Catch-up');
  log(textTable(catchUpHead, t.catchUp.map((r) => r.cells)));
  log('');
  log(`Completeness, ${clients} clients × ${completenessMs / 1000} s`);
  log(textTable(completenessHead, t.completeness.map((r) => r.cells)));
  log('');
  log('Targets');
  for (const x of targets(results)) log(`  ${x.met ? 'met    ' : 'NOT met'}  ${x.text} (${x.detail})`);
  const path = await writeMarkedSection('eventstream', markdown(results));
  log(`\nWrote ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
