/**
 * What tracing costs (`pnpm bench:tracing`): append and delivery throughput with an OpenTelemetry SDK registered
 * (spans batched to an exporter that drops them, metrics read every second and dropped) as a ratio of no SDK, in
 * interleaved rounds of one run. With `BENCH_BEFORE_STORE` (the built `dist/index.js` of `@tally/eventstore` from
 * before tracing), also appends with the API but no SDK against that build, side by side.
 *   DATABASE_URL=… [BENCH_BEFORE_STORE=/tmp/tally-before/packages/eventstore/dist/index.js] BENCH_ROUNDS=5 tsx src/tracing.ts
 * Writes the `tracing` section of docs/benchmarks.md.
 */
import { pathToFileURL } from 'node:url';
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { createEventStore, type SettledCheckpoint } from '@tally/eventstore';
import { createEventStream, formatCheckpoint } from '@tally/eventstream';
import { createBenchDatabase, machineInfo } from './db.js';
import { writeMarkedSection } from './doc-sections.js';
import { deposits, type TallyBenchEvent } from './events.js';
import { describeCpu, formatRate, intEnv, pairedRatio, runGroup, type Contender, type GroupResult, type RoundPlan } from './measure.js';
import { revision } from './revision.js';
import { mdTable, textTable } from './tables.js';
import { tallyAppend, type BenchStore } from './tally.js';
import { tracingOverhead } from './tracing-overhead.js';

const plan: RoundPlan = { rounds: intEnv('BENCH_ROUNDS', 9), roundMs: intEnv('BENCH_ROUND_MS', 2000), warmupMs: intEnv('BENCH_WARMUP_MS', 1000) };
const deliveryEvents = intEnv('BENCH_TRACING_EVENTS', 60_000); // ~1 s a round: 20,000 took 0.4 s, too short for this machine's noise
const log = (line: string) => console.log(line);

/** Spans and metric exports go nowhere: what is measured is the work of making them. */
const droppingSpans: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };
const droppingMetrics: PushMetricExporter = { export: (_metrics, done) => done({ code: 0 }), forceFlush: async () => {}, shutdown: async () => {} };

/** A real SDK, registered for the rounds that trace and unregistered for the others. */
function tracingSdk() {
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(droppingSpans)] });
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: droppingMetrics, exportIntervalMillis: 1000 })] });
  return {
    on(): void {
      tracerProvider.register(); // tracer provider, AsyncLocalStorage context manager, W3C propagator
      metrics.setGlobalMeterProvider(meterProvider);
    },
    /** The tracer provider (with its context manager and propagator) and no meter provider: the spans' share. */
    tracerOnly(): void {
      tracerProvider.register();
    },
    /** The meter provider and the context manager, no tracer provider: the metrics' share. */
    meterOnly(): void {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      metrics.setGlobalMeterProvider(meterProvider);
    },
    /** Only the SDK's context manager (AsyncLocalStorage), no tracer or meter: what any SDK costs, whatever it traces. */
    contextOnly(): void {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    },
    off(): void {
      trace.disable();
      propagation.disable();
      context.disable();
      metrics.disable();
    },
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
type Sdk = ReturnType<typeof tracingSdk>;

/** `contender` with the SDK on, only its context manager, or nothing, for its rounds. */
function withSdk(sdk: Sdk, mode: 'off' | 'context' | 'tracer' | 'meter' | 'on', contender: Contender, label: string): Contender {
  return {
    label,
    round: async (durationMs, round) => {
      if (mode === 'on') sdk.on();
      if (mode === 'context') sdk.contextOnly();
      if (mode === 'tracer') sdk.tracerOnly();
      if (mode === 'meter') sdk.meterOnly();
      try {
        return await contender.round(durationMs, round);
      } finally {
        sdk.off();
      }
    },
  };
}

/** The sides of a tracing group: no SDK, the SDK in parts, the whole SDK. */
const sides = (sdk: Sdk, contender: Contender): Contender[] => [
  withSdk(sdk, 'off', contender, 'no SDK'),
  withSdk(sdk, 'context', contender, 'context manager only'),
  withSdk(sdk, 'tracer', contender, 'tracer only'),
  withSdk(sdk, 'meter', contender, 'meter only'),
  withSdk(sdk, 'on', contender, 'SDK'),
];
/** The rows of a group: each side against no SDK. */
const sideRows = (group: GroupResult): string[][] =>
  ['SDK', 'tracer only', 'meter only', 'context manager only'].map((side) => ratioRow(group, 'no SDK', side));

/** One round: a subscription from `start` delivers every event after it to a handler that does nothing. */
function catchUp(store: BenchStore, url: string, start: SettledCheckpoint, total: number): Contender {
  return {
    label: 'catch-up',
    round: async () => {
      const stream = createEventStream<TallyBenchEvent>({ store, connectionString: url });
      let delivered = 0;
      const began = performance.now();
      let finished = 0;
      await new Promise<void>((resolve, reject) => {
        const sub = stream.subscribe({ after: formatCheckpoint(start), batchSize: 100, maxWaitMs: 0 }, (batch) => {
          delivered += batch.length;
          if (delivered >= total) {
            finished = performance.now();
            resolve();
          }
        });
        sub.on('error', reject);
      });
      await stream.close();
      return { events: delivered, conflicts: 0, seconds: (finished - began) / 1000 };
    },
  };
}

function ratioRow(group: GroupResult, base: string, other: string): string[] {
  const a = group.results.find((r) => r.label === base)!;
  const b = group.results.find((r) => r.label === other)!;
  const perRound = b.rates.map((rate, i) => (rate / a.rates[i]!).toFixed(2)).join(' ');
  return [group.title, `${base} ${formatRate(a.rate)}/s`, `${other} ${formatRate(b.rate)}/s`, `${pairedRatio(a, b).toFixed(3)}x`, `${(b.rate / a.rate).toFixed(3)}x`, perRound, describeCpu(a, b)];
}

/** The lowest and highest per-round ratio of the table's rows. */
function spread(rows: readonly string[][]): string {
  const ratios = rows.flatMap((row) => (row[5] ?? '').split(' ').map(Number)).filter((x) => Number.isFinite(x) && x > 0);
  return ratios.length === 0 ? 'n/a' : `${Math.min(...ratios).toFixed(2)} to ${Math.max(...ratios).toFixed(2)}`;
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const db = await createBenchDatabase();
  const machine = await machineInfo(db);
  const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10 });
  const sdk = tracingSdk();
  const beforePath = process.env.BENCH_BEFORE_STORE;
  const before = beforePath ? ((await import(pathToFileURL(beforePath).href)) as { createEventStore: typeof createEventStore }) : undefined;
  const beforeStore = before?.createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 10 });
  const rows: string[][] = [];
  // The JavaScript tracing adds to an append, with no SDK and with one (no database in the loop).
  const noSdk = await tracingOverhead();
  sdk.on();
  const withSdkCost = await tracingOverhead();
  sdk.off();
  const costRows = [
    ['no SDK', noSdk.bare.toFixed(0), noSdk.traced.toFixed(0), (noSdk.traced - noSdk.bare).toFixed(0)],
    ['SDK', withSdkCost.bare.toFixed(0), withSdkCost.traced.toFixed(0), (withSdkCost.traced - withSdkCost.bare).toFixed(0)],
  ];
  const costHead = ['', 'bare call, ns', 'inside the append tracing, ns', 'added, ns per append'];
  log(textTable(costHead, costRows));
  try {
    await store.migrate();
    for (const clients of [1, 8]) {
      const append = tallyAppend(store, `tracing${clients}`, clients, 1);
      const group = await runGroup(
        `append${clients}`,
        `append 1 event/call, ${clients} client${clients === 1 ? '' : 's'}`,
        sides(sdk, append),
        plan,
        log,
      );
      rows.push(...sideRows(group));
    }

    // The events to deliver carry a traceparent (appended with the SDK on, 10 per append): the traced
    // delivery parses them into links, as it would in production.
    const start = await store.settledCheckpoint();
    sdk.on();
    for (let i = 0; i < deliveryEvents; i += 100) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => store.append(deposits(`deliver-${(i + j * 10) % 500}`, i + j * 10, 10))));
    }
    sdk.off();
    const delivery = catchUp(store, db.url, start, deliveryEvents);
    const deliveryGroup = await runGroup(
      'deliver',
      `deliver ${deliveryEvents} events, batches of 100`,
      sides(sdk, delivery),
      plan,
      log,
    );
    rows.push(...sideRows(deliveryGroup));

    if (beforeStore) {
      for (const clients of [1, 8]) {
        const group = await runGroup(
          `before${clients}`,
          `no SDK, append 1 event/call, ${clients} client${clients === 1 ? '' : 's'}: before tracing vs with it`,
          [tallyAppend(beforeStore, `before${clients}`, clients, 1), tallyAppend(store, `after${clients}`, clients, 1)].map((c, i) => ({ ...c, label: i === 0 ? 'before' : 'after' })),
          plan,
          log,
        );
        rows.push(ratioRow(group, 'before', 'after'));
      }
    }
  } finally {
    await sdk.shutdown();
    await beforeStore?.close();
    await store.close();
    await db.drop();
  }
  const head = ['scenario', 'base', 'compared', 'ratio (median of per-round ratios)', 'ratio of median rates', 'per round', 'CPU'];
  log('');
  log(textTable(head, rows));
  const section = [
    '<!-- tracing:start -->',
    '## Tracing overhead (`pnpm bench:tracing`)',
    '',
    `${startedAt.toISOString()}, commit ${revision()}; ${machine.cpus} cores, ${machine.node}, ${machine.postgres.split(' on ')[0]}, ` +
      `load average at start ${machine.loadAverage.join(' / ')}; ${plan.rounds} interleaved rounds of ${plan.roundMs} ms after a ${plan.warmupMs} ms warm-up.`,
    '',
    'Base: no OpenTelemetry SDK (the libraries call `@opentelemetry/api` only). Compared: `NodeTracerProvider` with a ' +
      '`BatchSpanProcessor` to an exporter that drops the spans, and a `MeterProvider` read every second, registered for ' +
      "that contender's rounds only; \"context manager only\": just the SDK's AsyncLocalStorage context manager (no tracer, no meter: " +
      "nothing makes a context active, so Node's async hooks never start; what registering it costs); \"tracer only\": the tracer provider " +
      '(with that context manager and the W3C propagator), no meter provider; "meter only": the meter provider and the context manager, ' +
      'no tracer provider (the store then makes no span and switches no context). CPU: per event, the machine\'s (every process: Node and ' +
      "PostgreSQL, from /proc/stat) and Node's own, medians over rounds; the CPU ratio predicts the throughput ratio while every core is busy. " +
      'Delivery: a subscription from the start delivers every event (batches of 100, a ' +
      'handler doing nothing; events appended 10 per call with the SDK on, so each carries a traceparent and a batch has 10 links). ' +
      (beforePath
        ? '"before tracing vs with it": the same appends through a build of `@tally/eventstore` from before the tracing code, no SDK, in the same rounds.'
        : 'The before/after rows need `BENCH_BEFORE_STORE` (not set in this run).'),
    '',
    mdTable(head, rows),
    '',
    'What the tracing code adds to one append in JavaScript, without the database (`bench/src/tracing-overhead.ts`: the ' +
      "store's internal `traceAppend` wrapper and trace-context lookup around a function that resolves at once; median of 5 runs of 200,000 calls):",
    '',
    mdTable(costHead, costRows),
    '',
    `Per-round ratios in this run ranged from ${spread(rows)}: a median ratio is only as good as that spread allows.`,
    '',
    'Target: the compared rate at least 0.95x of the base.',
    '<!-- tracing:end -->',
    '',
  ].join('\n');
  log(`\nwrote ${await writeMarkedSection('tracing', section)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
