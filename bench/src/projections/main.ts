/**
 * Benchmark of @tally/projections: rebuild throughput of an account-balances projection over a seeded store,
 * steady-state lag with the projector following ~500 appends/s, and a version bump of the same projection with
 * `tables` (built beside the live table, then switched in; see switch.ts). Writes its section of docs/benchmarks.md.
 *
 *   cd bench && tsx src/projections/main.ts
 */
import { createEventStore, type EventStore } from '@tally/eventstore';
import { createProjector, defineProjection, type Projector } from '@tally/projections';
import { sql, type ColumnType } from 'kysely';
import pg from 'pg';
import { createBenchDatabase, machineInfo, type BenchDatabase, type MachineInfo } from '../db.js';
import { describeError, formatRate, intEnv, percentile } from '../measure.js';
import { mdTable, textTable } from '../tables.js';
import { withClient } from '../diagnostics.js';
import { writeMarkedSection } from '../doc-sections.js';
import { versionBumpRebuild, type SwitchResult } from './switch.js';

const defaultUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
process.env.DATABASE_URL ??= defaultUrl;

const seedCount = intEnv('BENCH_PROJ_EVENTS', 200_000);
const accounts = intEnv('BENCH_PROJ_ACCOUNTS', 10_000);
const mainBatchSize = 1000;
const defaultBatchSize = 500; // the projector's default, when batchSize is not given
const steadyRate = 500;
const steadyMs = 10_000;
const sampleEveryMs = 200;
const targetRate = 20_000;
const projectionName = 'account-balances';

const log = (line: string) => console.log(line);

// ---------------------------------------------------------------- events and the projection

type BankEvent =
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number } };

interface ReadDb {
  balances: {
    account_id: string;
    balance: ColumnType<string, string, string>;
    deposits: number;
    updated_position: ColumnType<string, string, string>;
  };
}

/** Time spent inside `handle`, to split the rebuild time (handler vs projector work around it). */
const handleStats = { ms: 0, batches: 0, events: 0, firstAt: 0 };

/** The projection; `tables` given, a version bump builds beside the live table and switches it in. */
const balancesProjection = (version: number, tables?: readonly string[]) => defineProjection<BankEvent, ReadDb>()({
  name: projectionName,
  version,
  query: [{ types: ['MoneyDeposited', 'MoneyWithdrawn'] }],
  ...(tables ? { tables } : {}),
  setup: async (db) => {
    await sql`CREATE TABLE IF NOT EXISTS balances (
      account_id text PRIMARY KEY,
      balance bigint NOT NULL,
      deposits int NOT NULL,
      updated_position bigint NOT NULL
    )`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('balances').execute();
  },
  // What a user should write: fold the batch per account in JS, then one multi-row upsert per batch.
  handle: async (events, trx) => {
    const started = performance.now();
    if (handleStats.batches === 0) handleStats.firstAt = started;
    const byAccount = new Map<string, { delta: bigint; deposits: number; position: bigint }>();
    for (const e of events) {
      const row = byAccount.get(e.data.accountId) ?? { delta: 0n, deposits: 0, position: 0n };
      if (e.type === 'MoneyDeposited') {
        row.delta += BigInt(e.data.amount);
        row.deposits += 1;
      } else {
        row.delta -= BigInt(e.data.amount);
      }
      if (e.position > row.position) row.position = e.position;
      byAccount.set(e.data.accountId, row);
    }
    const rows = [...byAccount].map(([accountId, r]) => ({
      account_id: accountId,
      balance: r.delta.toString(),
      deposits: r.deposits,
      updated_position: r.position.toString(),
    }));
    if (rows.length > 0) {
      await trx
        .insertInto('balances')
        .values(rows)
        .onConflict((oc) =>
          oc.column('account_id').doUpdateSet({
            balance: sql<string>`balances.balance + excluded.balance`,
            deposits: sql<number>`balances.deposits + excluded.deposits`,
            updated_position: sql<string>`greatest(balances.updated_position, excluded.updated_position)`,
          }),
        )
        .execute();
    }
    handleStats.ms += performance.now() - started;
    handleStats.batches += 1;
    handleStats.events += events.length;
  },
});
const balances = balancesProjection(1);

// ---------------------------------------------------------------- helpers


/** Seeds `count` deposits/withdrawals (1 in 4 a withdrawal) over `accounts` accounts, straight into tally.events. */
async function seed(url: string, count: number): Promise<{ seconds: number; head: bigint }> {
  const started = performance.now();
  const head = await withClient(url, async (client) => {
    await client.query('SET synchronous_commit = off');
    const chunk = 50_000;
    for (let lo = 0; lo < count; lo += chunk) {
      const hi = Math.min(count, lo + chunk);
      await client.query(
        `INSERT INTO tally.events (id, type, data, tags, metadata)
         SELECT gen_random_uuid(),
                CASE WHEN g % 4 = 3 THEN 'MoneyWithdrawn' ELSE 'MoneyDeposited' END,
                jsonb_build_object('accountId', 'acc-' || a, 'amount', CASE WHEN g % 4 = 3 THEN 1 + g % 200 ELSE 1 + g % 500 END),
                ARRAY['account:acc-' || a],
                jsonb_build_object('correlationId', 'seed-' || g)
           FROM generate_series($1::bigint, $2::bigint) AS g,
                LATERAL (SELECT abs(hashint8(g)) % $3 AS a) AS acc`,
        [lo, hi - 1, accounts],
      );
    }
    await client.query('ANALYZE tally.events');
    const { rows } = await client.query<{ head: string }>('SELECT coalesce(max(position), 0)::text AS head FROM tally.events');
    return BigInt(rows[0]!.head);
  });
  return { seconds: (performance.now() - started) / 1000, head };
}

/** Rows of `balances` that differ from a SQL fold of the events (missing or extra rows count too). */
async function verify(url: string): Promise<{ accounts: number; mismatches: number }> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ accounts: string; mismatches: string }>(`
      WITH fold AS (
        SELECT data->>'accountId' AS account_id,
               sum(CASE WHEN type = 'MoneyDeposited' THEN (data->>'amount')::bigint ELSE -(data->>'amount')::bigint END) AS balance,
               count(*) FILTER (WHERE type = 'MoneyDeposited')::int AS deposits,
               max(position) AS updated_position
          FROM tally.events
         WHERE type IN ('MoneyDeposited', 'MoneyWithdrawn')
         GROUP BY 1)
      SELECT (SELECT count(*) FROM fold)::text AS accounts,
             count(*) FILTER (WHERE f.balance IS DISTINCT FROM b.balance
                                 OR f.deposits IS DISTINCT FROM b.deposits
                                 OR f.updated_position IS DISTINCT FROM b.updated_position)::text AS mismatches
        FROM fold f FULL JOIN balances b USING (account_id)`);
    return { accounts: Number(rows[0]!.accounts), mismatches: Number(rows[0]!.mismatches) };
  });
}

/**
 * The highest event position the committed checkpoint covers. The checkpoint is a `(transactionId, position)`
 * pair, and once caught up it is `(horizon, 0)`, so its `position` alone says nothing: this looks up the last
 * event at or before it in `(transaction_id, position)` order (index-backed). With one appender at a time,
 * commit order is position order, so every position up to the result is in the read model.
 */
const appliedPosition = async (client: pg.Client): Promise<bigint> => {
  const { rows } = await client.query<{ position: string | null }>(
    `SELECT (SELECT e.position FROM tally.events e
              WHERE (e.transaction_id, e.position) <= (c.transaction_id::text::xid8, c.position)
              ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1)::text AS position
       FROM tally.projection_checkpoints c WHERE c.name = $1`,
    [projectionName],
  );
  return rows[0]?.position ? BigInt(rows[0].position) : 0n;
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- 1. rebuild

interface RebuildResult {
  readonly batchSize: number;
  readonly events: number;
  readonly seconds: number;
  readonly rate: number;
  readonly handleSeconds: number;
  /** start() itself (migrate, setup, connect, claim). */
  readonly startSeconds: number;
  /** From start() until the first handle() call. */
  readonly firstBatchSeconds: number;
  readonly batches: number;
  readonly verified: { accounts: number; mismatches: number };
  readonly statusCaughtUp: boolean;
}

/**
 * Starts a projector on a reset projection and times it from `start()` until the committed checkpoint reaches
 * the seeded head. The checkpoint row is polled every 20 ms (see appliedPosition), not status(), whose lag count
 * reads up to 10k events per call; status() confirms at the end.
 */
async function rebuild(url: string, store: EventStore<BankEvent>, head: bigint, events: number, batchSize: number | undefined): Promise<{ result: RebuildResult; projector: Projector }> {
  const projector = createProjector({ store, projections: [balances], connectionString: url, ...(batchSize === undefined ? {} : { batchSize }) });
  // Reset read model and checkpoint first (untimed), so both runs replay from the start.
  await projector.rebuild(projectionName);
  handleStats.ms = 0;
  handleStats.batches = 0;
  handleStats.events = 0;
  const result = await withClient(url, async (client) => {
    const started = performance.now();
    await projector.start();
    const startedSeconds = (performance.now() - started) / 1000;
    let last = -1n;
    let progressAt = performance.now();
    for (;;) {
      const position = await appliedPosition(client);
      if (position >= head) break;
      if (position !== last) [last, progressAt] = [position, performance.now()];
      if (performance.now() - progressAt > 30_000) {
        throw new Error(`rebuild stalled at checkpoint ${position} of ${head}: ${JSON.stringify(await projector.status(), (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      }
      await sleep(20);
    }
    const seconds = (performance.now() - started) / 1000;
    const [status] = await projector.status();
    const statusCaughtUp = status !== undefined && status.lagEvents === 0;
    return {
      batchSize: batchSize ?? defaultBatchSize,
      events,
      seconds,
      rate: events / seconds,
      handleSeconds: handleStats.ms / 1000,
      startSeconds: startedSeconds,
      firstBatchSeconds: (handleStats.firstAt - started) / 1000,
      batches: handleStats.batches,
      verified: await verify(url),
      statusCaughtUp,
    };
  });
  return { result, projector };
}

/** The same reads the projector makes (readSettled, `batchSize` per call), without handler or checkpoint. */
async function readOnlyPass(store: EventStore<BankEvent>, batchSize: number, count: number): Promise<number> {
  const started = performance.now();
  let after = { transactionId: 0n, position: 0n };
  // Until every seeded event came back: a settled read returns nothing while an older transaction anywhere on
  // the server is open (the horizon is the cluster-wide snapshot xmin).
  for (let read = 0; read < count; ) {
    const { events, checkpoint } = await store.readSettled([{ types: ['MoneyDeposited', 'MoneyWithdrawn'] }], { after, limit: batchSize });
    after = checkpoint;
    read += events.length;
    if (events.length === 0) await sleep(5);
  }
  return (performance.now() - started) / 1000;
}

// ---------------------------------------------------------------- 2. steady state

interface SteadyResult {
  readonly appended: number;
  /** 2 ms ticks skipped because 16 appends were in flight. */
  readonly skipped: number;
  readonly seconds: number;
  readonly appendRate: number;
  readonly samples: number;
  readonly lagEvents: { p50: number; p99: number; max: number };
  readonly lagMs: { p50: number; p99: number; max: number };
  /** Per appended event: from append() resolving (commit) until the committed checkpoint covers it. */
  readonly visibleMs: { p50: number; p99: number; max: number; events: number };
}

const stats = (values: number[]) => ({ p50: percentile(values, 50), p99: percentile(values, 99), max: values.length ? Math.max(...values) : Number.NaN });

async function steadyState(url: string, store: EventStore<BankEvent>, projector: Projector): Promise<SteadyResult> {
  const committedAt = new Map<bigint, number>();
  const visibleAt = new Map<bigint, number>();
  let appending = true;

  // One appender: one single-event append every 2 ms, fired on schedule without waiting for the previous one
  // (an append takes longer than 2 ms here), at most 16 in flight; a tick that finds 16 in flight is skipped.
  const appender = (async () => {
    const start = performance.now();
    const inFlight = new Set<Promise<void>>();
    let n = 0;
    let skipped = 0;
    for (let tick = 0; ; tick++) {
      const due = start + (tick * 1000) / steadyRate;
      if (due - start >= steadyMs) break;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= 16) {
        skipped += 1;
        continue;
      }
      const k = n++;
      const accountId = `acc-${(k * 7919) % accounts}`;
      const p: Promise<void> = store
        .append([{ type: k % 4 === 3 ? 'MoneyWithdrawn' : 'MoneyDeposited', data: { accountId, amount: 1 + (k % 100) }, tags: [`account:${accountId}`] }])
        .then(({ lastPosition }) => {
          committedAt.set(lastPosition, performance.now());
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await Promise.all(inFlight);
    appending = false;
    return { appended: n, skipped, seconds: (performance.now() - start) / 1000 };
  })();

  // status() every 200 ms: lagEvents and lagSeconds as the projector reports them.
  const lagEvents: number[] = [];
  const lagMs: number[] = [];
  const sampler = (async () => {
    while (appending) {
      const t0 = performance.now();
      const [s] = await projector.status();
      if (s) {
        lagEvents.push(s.lagEvents);
        lagMs.push(s.lagSeconds * 1000);
      }
      await sleep(Math.max(0, sampleEveryMs - (performance.now() - t0)));
    }
  })();

  // The committed checkpoint every 5 ms: an event whose (transaction_id, position) is at or before it is in the
  // read model (checkpoint and read model commit in one transaction). Appends may overlap, so commits are not in
  // position order: look at the events above the lowest position not yet seen applied.
  const watcher = withClient(url, async (client) => {
    let floor = (await client.query<{ head: string }>('SELECT coalesce(max(position), 0)::text AS head FROM tally.events')).rows[0]!.head;
    let deadline = Number.POSITIVE_INFINITY;
    for (;;) {
      const { rows } = await client.query<{ position: string }>(
        `SELECT e.position::text AS position
           FROM tally.events e, tally.projection_checkpoints c
          WHERE c.name = $1 AND e.position > $2::bigint
            AND (e.transaction_id, e.position) <= (c.transaction_id::text::xid8, c.position)`,
        [projectionName, floor],
      );
      const now = performance.now();
      for (const r of rows) {
        const p = BigInt(r.position);
        if (!visibleAt.has(p)) visibleAt.set(p, now);
      }
      let next = BigInt(floor);
      while (visibleAt.has(next + 1n)) next += 1n;
      floor = next.toString();
      if (!appending && deadline === Number.POSITIVE_INFINITY) deadline = now + 5000;
      if (!appending && ([...committedAt.keys()].every((p) => visibleAt.has(p)) || now > deadline)) break;
      await sleep(5);
    }
  });

  const { appended, skipped, seconds } = await appender;
  await sampler;
  await watcher;
  const visible: number[] = [];
  for (const [p, t] of committedAt) {
    const v = visibleAt.get(p);
    // An append can resolve after the watcher saw its position covered (commit → checkpoint → read before the
    // client got the reply): count that as 0.
    if (v !== undefined) visible.push(Math.max(0, v - t));
  }
  return {
    appended,
    skipped,
    seconds,
    appendRate: appended / seconds,
    samples: lagEvents.length,
    lagEvents: stats(lagEvents),
    lagMs: stats(lagMs),
    visibleMs: { ...stats(visible), events: visible.length },
  };
}

// ---------------------------------------------------------------- report

function commandLine(): string {
  const env: string[] = [];
  const url = new URL(process.env.DATABASE_URL ?? defaultUrl);
  if (url.password) url.password = '***';
  env.push(`DATABASE_URL=${url.toString()}`);
  for (const name of ['BENCH_PROJ_EVENTS', 'BENCH_PROJ_ACCOUNTS']) if (process.env[name]) env.push(`${name}=${process.env[name]}`);
  return `cd bench && ${env.join(' ')} npx tsx src/projections/main.ts`;
}



interface Results {
  readonly command: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly machine: MachineInfo;
  readonly seedSeconds: number;
  readonly readOnlySeconds: number;
  readonly rebuilds: RebuildResult[];
  readonly steady?: SteadyResult;
  readonly bump?: SwitchResult & { readonly verified: { accounts: number; mismatches: number } };
  readonly errors: string[];
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : 'n/a');
const f0 = (x: number) => (Number.isFinite(x) ? String(Math.round(x)) : 'n/a');

function rebuildRows(r: Results): string[][] {
  return r.rebuilds.map((b) => [
    `rebuild, batchSize ${b.batchSize}${b.batchSize === defaultBatchSize ? ' (default)' : ''}`,
    b.events.toLocaleString('en-US'),
    f1(b.seconds),
    formatRate(b.rate),
    `${f1(b.handleSeconds)} s (${f0((100 * b.handleSeconds) / b.seconds)}%)`,
    String(b.batches),
    `${f1(b.startSeconds)} / ${f1(b.firstBatchSeconds)} s`,
    b.verified.mismatches === 0 && b.statusCaughtUp ? `ok (${b.verified.accounts.toLocaleString('en-US')} accounts)` : `MISMATCH (${b.verified.mismatches} rows${b.statusCaughtUp ? '' : ', status() not caught up'})`,
  ]);
}
const rebuildHeader = ['scenario', 'events', 'seconds', 'events/s', 'in handle()', 'batches', 'start() / 1st batch', 'vs SQL fold'];

function steadyRows(s: SteadyResult): string[][] {
  return [
    ['status() lagEvents (events)', String(s.samples), f0(s.lagEvents.p50), f0(s.lagEvents.p99), f0(s.lagEvents.max)],
    ['status() lagSeconds (ms)', String(s.samples), f0(s.lagMs.p50), f0(s.lagMs.p99), f0(s.lagMs.max)],
    ['commit → read model visible (ms)', String(s.visibleMs.events), f0(s.visibleMs.p50), f0(s.visibleMs.p99), f0(s.visibleMs.max)],
  ];
}
const steadyHeader = ['lag', 'samples', 'p50', 'p99', 'max'];

function bumpRows(b: NonNullable<Results['bump']>): string[][] {
  return [[
    `version bump 1 → 2, tables: ['balances'], batchSize ${mainBatchSize}`,
    b.events.toLocaleString('en-US'),
    f1(b.buildSeconds),
    formatRate(b.rate),
    f0(b.switchMs),
    `${b.readerQueries}: fewest rows ${b.readerMinRows.toLocaleString('en-US')} (before: ${b.rowsBefore.toLocaleString('en-US')}), p99 ${f1(b.readerP99Ms)} ms, max ${f1(b.readerMaxMs)} ms`,
    b.verified.mismatches === 0 ? `ok (${b.verified.accounts.toLocaleString('en-US')} accounts)` : `MISMATCH (${b.verified.mismatches} rows)`,
  ]];
}
const bumpHeader = ['scenario', 'events', 'build s', 'events/s', 'caught up → switched (ms)', 'reader queries during it', 'vs SQL fold'];

const mainRebuild = (r: Results) => r.rebuilds.find((b) => b.batchSize === mainBatchSize);
const targetVerdict = (r: Results) => {
  const b = mainRebuild(r);
  if (!b) return { met: undefined, text: 'not measured' };
  return { met: b.rate >= targetRate, text: `${b.rate >= targetRate ? 'met' : 'NOT met'}: ${formatRate(b.rate)} events/s (batchSize ${mainBatchSize})` };
};

function renderText(r: Results): string {
  const out = ['', textTable(rebuildHeader, rebuildRows(r))];
  out.push(`  readSettled alone over the same events (batch ${mainBatchSize}, no handler, no checkpoint): ${f1(r.readOnlySeconds)} s`);
  if (r.steady) {
    const s = r.steady;
    out.push('', `Steady state: ${s.appended} single-event appends in ${f1(s.seconds)} s (${formatRate(s.appendRate)}/s, ${s.skipped} ticks skipped), projector batchSize ${defaultBatchSize}, default pollIntervalMs`);
    out.push(textTable(steadyHeader, steadyRows(s)));
  }
  if (r.bump) out.push('', 'Version bump with tables (build beside the live table, then switch):', textTable(bumpHeader, bumpRows(r.bump)));
  out.push('', `Target: rebuild ≥ ${formatRate(targetRate)} events/s — ${targetVerdict(r).text}`);
  if (r.bump) out.push(`Target: rebuild beside the live table ≥ ${formatRate(targetRate)} events/s — ${bumpVerdict(r.bump)}`);
  for (const e of r.errors) out.push(`ERROR: ${e}`);
  return out.join('\n');
}

const bumpVerdict = (b: SwitchResult) => `${b.rate >= targetRate ? 'met' : 'NOT met'}: ${formatRate(b.rate)} events/s; switch ${f0(b.switchMs)} ms after catching up`;

function renderMarkdown(r: Results): string {
  const m = r.machine;
  const s = r.steady;
  const t = targetVerdict(r);
  return `<!-- projections:start -->
## Projections (@tally/projections)

<!-- Generated by bench/src/projections/main.ts: do not edit by hand. -->

- Command: \`${r.command}\`
- Date: ${r.startedAt.toISOString()} (took ${Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000)} s)
- Machine: nproc ${m.cpus} (${m.cpuModel}), ${m.totalMemoryGiB} GiB RAM, **shared and noisy** (load average at start ${m.loadAverage.join(' / ')}); PostgreSQL and the benchmark on the same 2 cores
- PostgreSQL: ${m.postgres}; Node ${m.node}; ${Object.entries(m.settings).map(([k, v]) => `${k}=${v}`).join(', ')}
- **Target: rebuild ≥ ${formatRate(targetRate)} events/s — ${t.text}**${r.bump ? `
- **Target: rebuild beside the live table (version bump with \`tables\`) ≥ ${formatRate(targetRate)} events/s — ${bumpVerdict(r.bump)}**` : ''}

### Method

One fresh database, \`tally_bench_<random>\`, dropped at the end. ${seedCount.toLocaleString('en-US')} events (3 in 4 \`MoneyDeposited\`, 1 in 4
\`MoneyWithdrawn\`, over ${accounts.toLocaleString('en-US')} accounts) are seeded with \`INSERT … SELECT generate_series\` straight into
\`tally.events\` (in ${f1(r.seedSeconds)} s), then ANALYZEd. The projection \`${projectionName}\` keeps
\`balances(account_id text primary key, balance bigint, deposits int, updated_position bigint)\`: its \`handle\` folds the batch
per account in JS, then runs **one** multi-row \`INSERT … ON CONFLICT (account_id) DO UPDATE SET balance = balances.balance +
excluded.balance, …\` per batch.

- **Rebuild**: \`projector.rebuild(name)\` (untimed), then timed from \`projector.start()\` until the committed checkpoint reaches
  the seeded head (the checkpoint row polled every 20 ms and mapped to the last event it covers; \`status()\` confirms lagEvents = 0 at the end). The read model is then
  compared row by row with a SQL fold of the events (sum, deposit count and last position per account). "in handle()" is time
  inside the handler (JS fold + upsert); the rest is the projector's reads (\`readSettled\`), checkpoint lock/update and commits.
  For scale, \`readSettled\` alone over the same events in batches of ${mainBatchSize} took ${f1(r.readOnlySeconds)} s.
- **Steady state**: the default projector (batchSize ${defaultBatchSize}, wake-ups by NOTIFY after commit, pollIntervalMs 1000)
  follows one appender firing one single-event \`append\` every 2 ms (target ${steadyRate}/s) for ${steadyMs / 1000} s, without
  waiting for the previous one (at most 16 in flight; ${s?.skipped ?? 0} ticks skipped). Lag is given
  two ways: \`status()\` sampled every ${sampleEveryMs} ms (\`lagEvents\`, and \`lagSeconds\` = age of the oldest unapplied event,
  from its \`occurred_at\`); and per event, **commit → visible** = from \`append()\` resolving until a 5 ms poll of the committed
  checkpoint covers the event's \`(transaction_id, position)\` (checkpoint and read model commit together, so the balance row reflects it then).
- **Version bump with \`tables\`**: after the steady state, a projector with version 2 of the same projection, now declaring
  \`tables: ['balances']\` (batchSize ${mainBatchSize}), builds it beside the live version 1 in its own schema, then switches in one
  transaction. Nobody runs version 1 meanwhile and nothing is appended. "build s" is from \`start()\` until the build row records
  that it caught up (its first batch less than full committed); "caught up → switched" is from then until the live checkpoint
  row shows version 2 (both seen by a 5 ms poll, so ±5 ms). A reader queries \`SELECT count(*) FROM balances\` in a loop
  throughout (2 ms pauses): the fewest rows it saw, and its slowest queries (the switch holds the table's lock briefly).

### Rebuild (${seedCount.toLocaleString('en-US')} events)

${mdTable(rebuildHeader, rebuildRows(r))}
${s ? `
### Steady state (${s.appended} appends in ${f1(s.seconds)} s = ${formatRate(s.appendRate)}/s)

${mdTable(steadyHeader, steadyRows(s))}
` : ''}${r.bump ? `
### Version bump with \`tables\` (build beside the live table, then switch)

${mdTable(bumpHeader, bumpRows(r.bump))}
${mainRebuild(r) ? `
In the same run, at the same batch size, the build beside the live table ran at ${(r.bump.rate / mainRebuild(r)!.rate).toFixed(2)}× the rate of the in-place
rebuild above (which empties and refills the same table). Absolute rates follow the machine's load: compare rows of one run.
` : ''}` : ''}${r.errors.length ? `\n**Errors**: ${r.errors.join('; ')}\n` : ''}<!-- projections:end -->
`;
}


// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const startedAt = new Date();
  const db: BenchDatabase = await createBenchDatabase();
  log(`database ${db.name} (${db.backend})`);
  const errors: string[] = [];
  const rebuilds: RebuildResult[] = [];
  let steady: SteadyResult | undefined;
  let bump: Results['bump'];
  let seedSeconds = Number.NaN;
  let readOnlySeconds = Number.NaN;
  let machine: MachineInfo | undefined;
  const store = createEventStore<BankEvent>({ connectionString: db.url });
  try {
    machine = await machineInfo(db);
    await store.migrate();
    const seeded = await seed(db.url, seedCount);
    seedSeconds = seeded.seconds;
    log(`seeded ${seedCount.toLocaleString('en-US')} events in ${f1(seedSeconds)} s (head ${seeded.head})`);
    readOnlySeconds = await readOnlyPass(store, mainBatchSize, seedCount);
    log(`readSettled alone, batch ${mainBatchSize}: ${f1(readOnlySeconds)} s`);

    const first = await rebuild(db.url, store, seeded.head, seedCount, mainBatchSize);
    rebuilds.push(first.result);
    log(`rebuild batchSize ${mainBatchSize}: ${formatRate(first.result.rate)} events/s, mismatches ${first.result.verified.mismatches}`);
    await first.projector.stop();

    const second = await rebuild(db.url, store, seeded.head, seedCount, undefined);
    rebuilds.push(second.result);
    log(`rebuild default batchSize: ${formatRate(second.result.rate)} events/s, mismatches ${second.result.verified.mismatches}`);
    try {
      steady = await steadyState(db.url, store, second.projector);
      const after = await verify(db.url);
      if (after.mismatches !== 0) errors.push(`after steady state, ${after.mismatches} balance rows differ from the SQL fold`);
      else log(`after steady state: read model equals the SQL fold (${after.accounts} accounts)`);
    } finally {
      await second.projector.stop();
    }
    const bumped = await versionBumpRebuild(db.url, store, balancesProjection(2, ['balances']), 'balances', mainBatchSize);
    try {
      bump = { ...bumped.result, verified: await verify(db.url) };
      log(`version bump with tables: ${formatRate(bump.rate)} events/s, switched ${f0(bump.switchMs)} ms after catching up, mismatches ${bump.verified.mismatches}`);
      if (bump.verified.mismatches !== 0) errors.push(`after the version bump, ${bump.verified.mismatches} balance rows differ from the SQL fold`);
      if (bump.readerMinRows < bump.rowsBefore) errors.push(`during the version bump a reader saw ${bump.readerMinRows} rows, fewer than the ${bump.rowsBefore} before`);
    } finally {
      await bumped.projector.stop();
    }
  } catch (error) {
    errors.push(describeError(error));
    console.error(error);
  } finally {
    await store.close().catch(() => {});
    await db.drop().catch((error: unknown) => console.error(`drop failed: ${describeError(error)}`));
  }
  if (!machine) throw new Error(errors.join('; ') || 'no machine info');
  const results: Results = {
    command: commandLine(),
    startedAt,
    finishedAt: new Date(),
    machine,
    seedSeconds,
    readOnlySeconds,
    rebuilds,
    ...(steady ? { steady } : {}),
    ...(bump ? { bump } : {}),
    errors,
  };
  log(renderText(results));
  await writeMarkedSection('projections', renderMarkdown(results));
  log('\nwrote docs/benchmarks.md (projections section)');
  if (errors.length > 0) process.exitCode = 1;
}

await main();
