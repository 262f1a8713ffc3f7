/**
 * One case of the settled-horizon benchmark: commit-to-handler latency of one subscription at a steady append
 * rate while a transaction holding a transaction id stays idle in transaction (in another database of the same
 * server, in the store's own database, or nowhere).
 *
 * The store and subscription come in through {@link Follower}, so the same scenario runs against the current
 * packages (bench/src/horizon/main.ts) and against a build of an older commit (a script outside the repository
 * passing that build's `createEventStore` / `createEventStream`). Nothing here imports `@tally/*`.
 */
import pg from 'pg';
import { latencyResult, pacedAppends, sleep, waitUntil, type LatencyResult } from '../eventstream/common.js';

/** What the scenario needs of a store + subscription; built by the caller from whichever packages it tests. */
export interface Follower {
  /** Appends one single-event transaction; resolves with the event id once the append resolved. */
  append(i: number): Promise<string>;
  /** Subscribes `after: 'end'`; `onEvents` gets each batch's event ids. Resolves once the subscription is ready. */
  subscribe(onEvents: (ids: readonly string[]) => void): Promise<void>;
  /** The store's `horizon()`, where it exists: the blockers, as `reason@database`. */
  horizon?(): Promise<{ readonly blockers: readonly string[]; readonly unsettledEvents: number }>;
  /** Registers a listener for the stream's `stalled` event, where it exists. */
  onStalled?(listener: (blockers: readonly string[]) => void): void;
  close(): Promise<void>;
}

/** none: nothing else open; other-database: idle in transaction with an xid in a scratch database; same-database: in the store's database. */
export type HolderKind = 'none' | 'other-database' | 'same-database';

export interface CasePlan {
  readonly holder: HolderKind;
  /** Connection string of the database the holder opens its transaction in (unused for `none`). */
  readonly holderUrl?: string;
  readonly rate: number;
  readonly windowMs: number;
  /** How long to wait after the last append for every event to be delivered, the holder still open. */
  readonly drainMs: number;
  /** The store's horizonGraceMs: appends committed later than this after the holder began are "after the grace". */
  readonly graceMs: number;
  /** After the drain, the holder ends; wait at most this long for what was still undelivered (0: don't). */
  readonly releaseWaitMs: number;
  /**
   * A connection string of the server: when the oldest undelivered event has waited longer than
   * `watchAfterMs`, the run records who is running on the server (pg_stat_activity, ungranted locks), at most
   * once every 10 s, so a stall on a shared server can be explained.
   */
  readonly watchUrl?: string;
  readonly watchAfterMs?: number;
  readonly log: (line: string) => void;
}

/** The appends that resolved in one 5 s of the window. */
export interface TimelineBucket {
  readonly fromS: number;
  readonly appended: number;
  /** Commit-to-handler latency. */
  readonly p50: number;
  readonly max: number;
  /** How long `append` took (issued to resolved): appends backing up on the server show here, not in the latency. */
  readonly appendP50: number;
  readonly appendMax: number;
  /** Most appends in flight at once when one of them resolved. */
  readonly maxInFlight: number;
}

export interface HorizonProbe {
  /** Milliseconds after the holder began. */
  readonly atMs: number;
  readonly blockers: readonly string[];
  readonly unsettledEvents: number;
}

export interface CaseResult {
  /** Every append of the window. */
  readonly all: LatencyResult;
  /** Appends that resolved within `graceMs` of the holder's BEGIN (for `none`: of the window's start). */
  readonly withinGrace: LatencyResult;
  /** Appends that resolved later than `graceMs` after the holder's BEGIN. */
  readonly afterGrace: LatencyResult;
  /** Appends that resolved after every append of the grace had been delivered (the held-back backlog gone). */
  readonly afterBacklog: LatencyResult;
  /** Milliseconds from the holder's BEGIN to the delivery of the last append that resolved within the grace. */
  readonly backlogDeliveredMs: number;
  /** Events delivered before the last append of the window resolved / appends resolved by then. */
  readonly deliveredInWindow: number;
  readonly appendedInWindow: number;
  /** Undelivered events at the end of the drain (holder still open). */
  readonly undeliveredWithHolder: number;
  /** Deliveries of an id already delivered. */
  readonly duplicates: number;
  /** Milliseconds from the holder's BEGIN to the first delivery of an event appended after it. */
  readonly firstDeliveryMs: number;
  /** After the holder ended: events still undelivered at the end of the release wait, and how long it took. */
  readonly release?: { readonly undelivered: number; readonly ms: number } | undefined;
  readonly probes: readonly HorizonProbe[];
  readonly stalls: readonly (readonly string[])[];
  /** Max and p50 latency of the appends that resolved in each 5 s of the window. */
  readonly timeline: readonly TimelineBucket[];
  /** What ran on the server while delivery was late (see {@link CasePlan.watchUrl}). */
  readonly watch: readonly { readonly atMs: number; readonly waitedMs: number; readonly rows: readonly string[] }[];
  /** The holder's transaction id and database, as the server reported them. */
  readonly holderXid?: string | undefined;
  readonly holderDatabase?: string | undefined;
}

/** Opens the holder's transaction and leaves it idle in transaction with an xid. */
async function openHolder(kind: HolderKind, url: string): Promise<{ client: pg.Client; xid: string; database: string }> {
  const client = new pg.Client({ connectionString: url, application_name: 'tally-bench-horizon-holder' });
  client.on('error', () => {});
  await client.connect();
  await client.query('BEGIN');
  if (kind === 'other-database') {
    await client.query('CREATE TEMP TABLE x (i int)');
    await client.query('INSERT INTO x VALUES (1)');
  }
  const r = await client.query<{ xid: string; db: string }>('SELECT pg_current_xact_id()::text AS xid, current_database() AS db');
  return { client, xid: r.rows[0]!.xid, database: r.rows[0]!.db };
}

function split(
  committedAt: ReadonlyMap<string, number>,
  seenAt: ReadonlyMap<string, number>,
  failed: number,
  seconds: number,
  keep: (committed: number) => boolean,
): LatencyResult {
  const part = new Map([...committedAt].filter(([, t]) => keep(t)));
  return latencyResult(part, seenAt, failed, seconds);
}

const activitySql = `
  SELECT a.pid, a.datname, a.application_name, a.state, a.wait_event_type, a.wait_event, a.backend_xid::text AS xid,
         round(extract(epoch FROM now() - a.xact_start) * 1000) AS xact_ms, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 120) AS query,
         (SELECT string_agg(l.locktype || ' ' || l.mode, ', ') FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS waiting_for
    FROM pg_stat_activity a
   WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend' AND a.state IS DISTINCT FROM 'idle'
   ORDER BY a.xact_start NULLS LAST`;

/** Watches delivery; records server activity when the oldest undelivered event waited past the threshold. */
function startWatch(
  plan: CasePlan,
  began: number,
  order: string[],
  committedAt: ReadonlyMap<string, number>,
  seenAt: ReadonlyMap<string, number>,
  out: { atMs: number; waitedMs: number; rows: string[] }[],
): () => Promise<void> {
  if (!plan.watchUrl) return async () => {};
  const threshold = plan.watchAfterMs ?? 1000;
  const client = new pg.Client({ connectionString: plan.watchUrl, application_name: 'tally-bench-horizon-watch' });
  client.on('error', () => {});
  const connected = client.connect().then(() => true, () => false);
  let cursor = 0;
  let lastDump = -Infinity;
  let busy = false;
  const timer = setInterval(() => {
    while (cursor < order.length && seenAt.has(order[cursor]!)) cursor++;
    if (cursor >= order.length || busy) return;
    const now = performance.now();
    const waited = now - committedAt.get(order[cursor]!)!;
    if (waited < threshold || now - lastDump < 10_000) return;
    lastDump = now;
    busy = true;
    void connected
      .then(async (ok) => {
        if (!ok) return;
        const r = await client.query<Record<string, string | null>>(activitySql);
        out.push({
          atMs: now - began,
          waitedMs: waited,
          rows: r.rows.map((x) =>
            [`pid ${x.pid}`, x.datname, x.application_name || '-', x.state, x.wait_event_type ? `wait ${x.wait_event_type}/${x.wait_event}` : '', x.xid ? `xid ${x.xid}` : '', x.xact_ms ? `xact ${x.xact_ms} ms` : '', x.waiting_for ? `waiting for ${x.waiting_for}` : '', x.query ?? '']
              .filter(Boolean)
              .join(' | '),
          ),
        });
      })
      .catch(() => {})
      .finally(() => {
        busy = false;
      });
  }, 100);
  return async () => {
    clearInterval(timer);
    await connected;
    await client.end().catch(() => {});
  };
}

function timelineOf(
  began: number,
  committedAt: ReadonlyMap<string, number>,
  seenAt: ReadonlyMap<string, number>,
  appendStats: ReadonlyMap<string, { ms: number; inFlight: number }>,
): TimelineBucket[] {
  const buckets = new Map<number, { lat: number[]; app: number[]; inFlight: number }>();
  for (const [id, t] of committedAt) {
    const b = Math.max(0, Math.floor((t - began) / 5000));
    const bucket = buckets.get(b) ?? buckets.set(b, { lat: [], app: [], inFlight: 0 }).get(b)!;
    const seen = seenAt.get(id);
    if (seen !== undefined) bucket.lat.push(seen - t);
    const a = appendStats.get(id);
    if (a) {
      bucket.app.push(a.ms);
      bucket.inFlight = Math.max(bucket.inFlight, a.inFlight);
    }
  }
  const mid = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs[Math.floor((xs.length - 1) / 2)]!);
  const top = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs[xs.length - 1]!);
  return [...buckets]
    .sort(([a], [b]) => a - b)
    .map(([b, x]) => {
      x.lat.sort((p, q) => p - q);
      x.app.sort((p, q) => p - q);
      return { fromS: b * 5, appended: x.app.length, p50: mid(x.lat), max: top(x.lat), appendP50: mid(x.app), appendMax: top(x.app), maxInFlight: x.inFlight };
    });
}

export async function runCase(follower: Follower, plan: CasePlan): Promise<CaseResult> {
  const committedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const stalls: string[][] = [];
  const probes: HorizonProbe[] = [];
  let duplicates = 0;
  let holder: Awaited<ReturnType<typeof openHolder>> | undefined;
  let holderXid: string | undefined;
  let holderDatabase: string | undefined;
  try {
    follower.onStalled?.((blockers) => stalls.push([...blockers]));
    await follower.subscribe((ids) => {
      const now = performance.now();
      for (const id of ids) {
        if (seenAt.has(id)) duplicates++;
        else seenAt.set(id, now);
      }
    });
    // Warm-up: pools and prepared paths exist before measuring; wait until the warm-up events arrived.
    const warm = new Set<string>();
    for (let i = 0; i < 20; i++) warm.add(await follower.append(-1 - i));
    await waitUntil(() => [...warm].every((id) => seenAt.has(id)), 5000, 10);
    await sleep(500);
    for (const id of warm) seenAt.delete(id);
    duplicates = 0;

    const began = performance.now();
    if (plan.holder !== 'none') {
      holder = await openHolder(plan.holder, plan.holderUrl!);
      holderXid = holder.xid;
      holderDatabase = holder.database;
      plan.log(`  holder: xid ${holder.xid} idle in transaction in database ${holder.database}`);
    }
    const probeTimers = [1000, plan.graceMs + 2000]
      .filter((at) => at < plan.windowMs && follower.horizon)
      .map((at) =>
        setTimeout(() => {
          follower.horizon!().then(
            (h) => probes.push({ atMs: at, blockers: h.blockers, unsettledEvents: h.unsettledEvents }),
            (error: unknown) => probes.push({ atMs: at, blockers: [`horizon() failed: ${String(error)}`], unsettledEvents: Number.NaN }),
          );
        }, Math.max(0, began + at - performance.now())),
      );
    const order: string[] = [];
    const appendStats = new Map<string, { ms: number; inFlight: number }>();
    let inFlight = 0;
    const watch: { atMs: number; waitedMs: number; rows: string[] }[] = [];
    const stopWatch = startWatch(plan, began, order, committedAt, seenAt, watch);
    const run = await pacedAppends(
      plan.rate,
      plan.windowMs,
      async (i) => {
        const t0 = performance.now();
        inFlight++;
        try {
          const id = await follower.append(i);
          order.push(id);
          appendStats.set(id, { ms: performance.now() - t0, inFlight });
          return id;
        } finally {
          inFlight--;
        }
      },
      committedAt,
    );
    const windowEnd = performance.now();
    const appendedInWindow = committedAt.size;
    const deliveredInWindow = [...committedAt.keys()].filter((id) => (seenAt.get(id) ?? Infinity) <= windowEnd).length;
    probeTimers.forEach(clearTimeout);
    await waitUntil(() => [...committedAt.keys()].every((id) => seenAt.has(id)), plan.drainMs, 20);
    const undeliveredWithHolder = [...committedAt.keys()].filter((id) => !seenAt.has(id)).length;
    await stopWatch();
    const timeline = timelineOf(began, committedAt, seenAt, appendStats);

    // Everything below is measured with the holder still open; latencies use what was delivered by now.
    const all = latencyResult(committedAt, seenAt, run.failed, run.seconds);
    const graceEnd = began + plan.graceMs;
    const withinGrace = split(committedAt, seenAt, run.failed, run.seconds, (t) => t <= graceEnd);
    const afterGrace = split(committedAt, seenAt, 0, run.seconds, (t) => t > graceEnd);
    let backlogSeen = -Infinity;
    for (const [id, t] of committedAt) if (t <= graceEnd) backlogSeen = Math.max(backlogSeen, seenAt.get(id) ?? Infinity);
    const afterBacklog = split(committedAt, seenAt, 0, run.seconds, (t) => t > Math.max(graceEnd, backlogSeen));
    let firstSeen = Infinity;
    for (const id of committedAt.keys()) firstSeen = Math.min(firstSeen, seenAt.get(id) ?? Infinity);

    let release: CaseResult['release'];
    if (holder) {
      const t0 = performance.now();
      await holder.client.query('ROLLBACK');
      await holder.client.end();
      holder = undefined;
      if (undeliveredWithHolder > 0 && plan.releaseWaitMs > 0) {
        await waitUntil(() => [...committedAt.keys()].every((id) => seenAt.has(id)), plan.releaseWaitMs, 20);
        release = { undelivered: [...committedAt.keys()].filter((id) => !seenAt.has(id)).length, ms: performance.now() - t0 };
      }
    }
    await sleep(500); // late duplicates, if any
    return {
      all,
      withinGrace,
      afterGrace,
      afterBacklog,
      backlogDeliveredMs: backlogSeen - began,
      deliveredInWindow,
      appendedInWindow,
      undeliveredWithHolder,
      duplicates,
      firstDeliveryMs: firstSeen - began,
      release,
      probes: probes.sort((a, b) => a.atMs - b.atMs),
      stalls,
      timeline,
      watch,
      holderXid,
      holderDatabase,
    };
  } finally {
    if (holder) {
      await holder.client.query('ROLLBACK').catch(() => {});
      await holder.client.end().catch(() => {});
    }
    await follower.close();
  }
}
