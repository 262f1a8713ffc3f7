/**
 * Benchmark of the projector's web console (issue 16): latency of its JSON API (and two HTML pages) with 20
 * projections and 1M events, served by `tally-projector start --http-port` (a child process, as operators run
 * it), on a fresh database dropped at the end.
 *
 * 1M events of ten types over 10,000 accounts are seeded with INSERT … SELECT generate_series (ANALYZE after),
 * the worker catches its 20 projections up (console.config.ts), then each endpoint is asked
 * BENCH_CONSOLE_REQUESTS times (default 200; 20 warm-up requests first), one request at a time, over one
 * keep-alive connection; the store is quiet meanwhile. Prints p50/p99/max per endpoint and writes
 * docs/benchmarks.md between `<!-- console:start -->` and `<!-- console:end -->`.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:console
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEventStore } from '@tally/eventstore';
import { freePort } from '@tally/test-harness';
import pg from 'pg';
import { createBenchDatabase, machineInfo } from '../db.js';
import { writeMarkedSection } from '../doc-sections.js';
import { intEnv, percentile } from '../measure.js';
import { revision } from '../revision.js';
import { mdTable, textTable } from '../tables.js';
import { PROJECTIONS, TYPES } from './console.config.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const totalEvents = intEnv('BENCH_CONSOLE_EVENTS', 1_000_000);
const requests = intEnv('BENCH_CONSOLE_REQUESTS', 200);
const accounts = 10_000;
const budgetMs = 50;
const log = (line: string) => console.log(line);

async function seed(url: string): Promise<number> {
  const started = performance.now();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    const chunk = 100_000;
    for (let lo = 0; lo < totalEvents; lo += chunk) {
      await client.query(
        `INSERT INTO tally.events (id, type, data, tags, metadata)
         SELECT gen_random_uuid(), 'T' || (g % $3),
                jsonb_build_object('n', g, 'accountId', 'acc-' || (g % $4)) || CASE WHEN g % 200000 = 10 THEN '{"poison": true}'::jsonb ELSE '{}'::jsonb END,
                ARRAY['account:acc-' || (g % $4)],
                jsonb_build_object('correlationId', 'req-' || (g / 4))
           FROM generate_series($1::bigint, $2::bigint) AS g`,
        [lo, Math.min(totalEvents, lo + chunk) - 1, TYPES, accounts],
      );
    }
    await client.query('ANALYZE tally.events');
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

interface Endpoint {
  readonly label: string;
  readonly path: string;
}

interface Timing {
  readonly label: string;
  readonly path: string;
  readonly status: number;
  readonly bytes: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

async function time(base: string, endpoint: Endpoint): Promise<Timing> {
  let status = 0;
  let bytes = 0;
  const samples: number[] = [];
  for (let i = 0; i < requests + 20; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${endpoint.path}`);
    const body = await res.arrayBuffer();
    const ms = performance.now() - started;
    status = res.status;
    bytes = body.byteLength;
    if (i >= 20) samples.push(ms);
  }
  return { ...endpoint, status, bytes, p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples) };
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const machine = await machineInfo(db);
  const startedAt = new Date().toISOString();
  let worker: ReturnType<typeof spawn> | undefined;
  try {
    const store = createEventStore({ connectionString: db.url });
    await store.migrate();
    await store.close();
    log(`seeding ${totalEvents.toLocaleString('en-US')} events …`);
    const seedSeconds = await seed(db.url);
    log(`  seeded in ${seedSeconds.toFixed(1)} s`);

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = fileURLToPath(new URL('./console.config.ts', import.meta.url));
    const bin = fileURLToPath(new URL('../../node_modules/@tally/projections/bin/tally-projector.js', import.meta.url));
    let output = '';
    worker = spawn(process.execPath, [bin, 'start', '--config', config, '--http-port', String(port), '--worker-id', 'bench-console'], {
      env: { ...process.env, DATABASE_URL: db.url, NODE_OPTIONS: '--import tsx' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    worker.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const catchUpStarted = performance.now();
    for (;;) {
      if (worker.exitCode !== null) throw new Error(`the worker exited: ${output}`);
      const res = await fetch(`${base}/api/projections`).catch(() => undefined);
      if (res?.ok) {
        const { projections } = (await res.json()) as { projections: { lagEvents: number; state: string }[] };
        if (projections.length === PROJECTIONS && projections.every((p) => p.lagEvents === 0 && p.state === 'running')) break;
      }
      if (performance.now() - catchUpStarted > 20 * 60_000) throw new Error('the projections did not catch up within 20 minutes');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const catchUpSeconds = (performance.now() - catchUpStarted) / 1000;
    log(`  ${PROJECTIONS} projections caught up in ${catchUpSeconds.toFixed(1)} s`);

    const middle = Math.floor(totalEvents / 2);
    const endpoints: Endpoint[] = [
      { label: 'projections (status of 20, served up to 1 s old)', path: '/api/projections' },
      { label: 'reference: /metrics (a fresh status() each time)', path: '/metrics' },
      { label: 'horizon', path: '/api/horizon' },
      { label: 'parked of console-p00', path: '/api/projections/console-p00/parked' },
      { label: 'events: newest page (50)', path: '/api/events' },
      { label: 'events: page before the middle', path: `/api/events?before=${middle}` },
      { label: 'events: page after the middle', path: `/api/events?after=${middle}` },
      { label: 'events: one type, page before the middle', path: `/api/events?types=T3&before=${middle}` },
      { label: 'events: two types, newest page', path: '/api/events?types=T3,T7' },
      { label: 'events: one tag (100 events)', path: '/api/events?tag=account:acc-42&limit=100' },
      { label: 'events: tag and type', path: '/api/events?tag=account:acc-42&types=T2' },
      { label: 'one event + chain (±10,000 positions)', path: `/api/events/${middle}` },
      { label: 'HTML: projections page', path: '/' },
      { label: 'HTML: events page', path: `/events?before=${middle}` },
    ];
    const timings: Timing[] = [];
    for (const endpoint of endpoints) {
      const t = await time(base, endpoint);
      timings.push(t);
      log(`  ${t.label}: p50 ${t.p50.toFixed(1)} ms, p99 ${t.p99.toFixed(1)} ms (HTTP ${t.status}, ${t.bytes} bytes)`);
    }
    const header = ['endpoint', 'path', 'HTTP', 'bytes', 'p50 ms', 'p99 ms', 'max ms', `p99 < ${budgetMs} ms`];
    const rows = timings.map((t) => [t.label, t.path, String(t.status), String(t.bytes), t.p50.toFixed(1), t.p99.toFixed(1), t.max.toFixed(1), t.p99 < budgetMs ? 'yes' : 'NO']);
    log(`\n${textTable(header, rows)}`);

    const section = `<!-- console:start -->
## Web console JSON API (bench:console)

\`DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:console\` — run ${startedAt}, revision ${revision()}.
${totalEvents.toLocaleString('en-US')} events (ten types, ${accounts.toLocaleString('en-US')} account tags) seeded with \`INSERT … SELECT\` in ${seedSeconds.toFixed(1)} s, then
\`tally-projector start --http-port\` caught its ${PROJECTIONS} projections up in ${catchUpSeconds.toFixed(1)} s (no-op handlers; console-p00 parks
${Math.ceil(totalEvents / 200_000)} poison events and holds their accounts' later events). Each endpoint: ${requests} requests after 20 warm-up ones, one at a
time over a keep-alive connection from the same machine, the store quiet. Target: under ${budgetMs} ms. The console serves one \`status()\` to
every request for up to 1 s (then still while a new one is read, up to 5 s); \`/metrics\` reads it afresh at each scrape, so its row is
what one \`status()\` of 20 projections costs (each projection's lag count also reads the horizon: about 40 queries).
PostgreSQL: ${machine.postgres.split(',')[0]}; ${machine.cpus} CPUs (${machine.cpuModel}); load average at start ${machine.loadAverage.join(' / ')}.

${mdTable(header, rows.map((r) => [r[0]!, `\`${r[1]}\``, ...r.slice(2)]))}
<!-- console:end -->
`;
    log(`written to ${await writeMarkedSection('console', section)}`);
  } finally {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await db.drop();
  }
}

await main();
