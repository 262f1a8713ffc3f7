import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { balanceLines, foldBalances, plain, readBalances } from './fixtures/bank.js';
import { appendContinuously, eventually, setupDatabase, sleep, spawnWorker, type WorkerProcess } from './helpers.js';

const { database, store, db } = await setupDatabase();

const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
const env = { PROJECTIONS: names.map((n) => `${n}:t_${n}`).join(','), RECORD: '1', BATCH_SIZE: '10' };

interface Owner {
  name: string;
  owner: string | null;
  position: string;
}
const owners = async () =>
  (await sql<Owner>`SELECT name, owner, position::text FROM tally.projection_checkpoints ORDER BY name`.execute(db)).rows;

/** Takeover bound asserted (measured values are printed). */
const takeoverBoundMs = 10_000;

describe('three worker processes on one database', () => {
  it('run each projection in one worker at a time, spread 2/2/2, never regress, and take over a killed owner', async () => {
    const workers = new Map<string, WorkerProcess>();
    for (const id of ['w1', 'w2', 'w3']) {
      const worker = spawnWorker(database.url, id, env);
      workers.set(id, worker);
      await worker.ready;
    }
    const appender = appendContinuously(store, 20, 3, 30);

    // Spread: every live worker ends up with ceil(6 / 3) = 2 projections.
    const spread = await eventually(async () => {
      const rows = await owners();
      const counts = ['w1', 'w2', 'w3'].map((id) => rows.filter((r) => r.owner === id).length);
      return counts.every((c) => c === 2);
    }, 15_000, 200);
    expect(spread).toBe(true);

    // Kill the owner of p1; another worker must take it and move its checkpoint on.
    const before = (await owners()).find((r) => r.name === 'p1')!;
    const victim = workers.get(before.owner!)!;
    const { rows: killTime } = await sql<{ at: Date }>`SELECT clock_timestamp() AS at`.execute(db);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    await victim.exited;
    workers.delete(victim.id);
    let takeoverMs = Number.POSITIVE_INFINITY;
    const tookOver = await eventually(async () => {
      const row = (await owners()).find((r) => r.name === 'p1')!;
      if (row.owner !== victim.id && BigInt(row.position) > BigInt(before.position)) {
        takeoverMs = Date.now() - killedAt;
        return true;
      }
      return false;
    }, takeoverBoundMs, 50);
    console.info(`[multi-worker] p1 taken over from ${victim.id} in ${takeoverMs} ms`);
    expect(tookOver).toBe(true);
    expect(takeoverMs).toBeLessThan(takeoverBoundMs);

    await sleep(1000);
    await appender.stop();
    const { events } = await store.read();
    const expected = balanceLines(foldBalances(plain(events)));
    for (const name of names) {
      await eventually(async () => balanceLines(await readBalances(db, `t_${name}`)).join() === expected.join(), 30_000);
      expect(balanceLines(await readBalances(db, `t_${name}`)), name).toEqual(expected);
    }

    // Never two workers in one projection's handler at once (closed intervals of different workers never overlap;
    // a killed worker's open interval ended with it).
    const { rows: overlaps } = await sql<{ projection: string }>`
      SELECT a.projection FROM handler_runs a JOIN handler_runs b
        ON a.projection = b.projection AND a.worker <> b.worker AND a.id < b.id
       WHERE a.ended_at IS NOT NULL AND b.ended_at IS NOT NULL
         AND a.started_at < b.ended_at AND b.started_at < a.ended_at`.execute(db);
    expect(overlaps).toEqual([]);
    const { rows: runs } = await sql<{ n: number; workers: number }>`
      SELECT count(*)::int AS n, count(DISTINCT worker)::int AS workers FROM handler_runs`.execute(db);
    expect(runs[0]!.workers).toBe(3);

    // Committed batches of a projection follow each other: each starts after the previous one ended (no regress, no replay).
    const { rows: regressions } = await sql<{ projection: string }>`
      SELECT projection FROM (
        SELECT projection, first_tx, first_pos,
               lag(last_tx) OVER w AS prev_tx, lag(last_pos) OVER w AS prev_pos
          FROM committed_batches WINDOW w AS (PARTITION BY projection ORDER BY id)) s
       WHERE prev_tx IS NOT NULL AND (first_tx, first_pos) <= (prev_tx, prev_pos)`.execute(db);
    expect(regressions).toEqual([]);

    // One worker at a time also means no ping-pong: a projection changes hands only when the workers rebalance
    // as they start (twice, three at worst when two workers' ticks see different live counts) and when its owner
    // is killed (once). Without the locks every worker runs every projection and batches alternate between them.
    const { rows: handovers } = await sql<{ projection: string; n: number }>`
      SELECT projection, count(*) FILTER (WHERE worker <> prev)::int AS n FROM (
        SELECT projection, worker, lag(worker) OVER (PARTITION BY projection ORDER BY id) AS prev FROM committed_batches) s
       GROUP BY projection ORDER BY projection`.execute(db);
    expect(handovers).toHaveLength(6);
    for (const row of handovers) expect(row.n, row.projection).toBeLessThanOrEqual(4);

    for (const worker of workers.values()) worker.child.kill('SIGTERM');
    for (const worker of workers.values()) expect(await worker.exited).toBe(0);

    // Ownership as the workers report it: each interval runs from just after the lock was taken to just before it
    // was given back (or, for the killed worker, to just before the kill). No two intervals of a projection overlap.
    const { rows: ownershipOverlaps } = await sql<{ projection: string; a: string; b: string }>`
      WITH claims AS (
        SELECT projection, worker, owned, at,
               lead(at) OVER (PARTITION BY projection, worker ORDER BY id) AS next_at,
               lead(owned) OVER (PARTITION BY projection, worker ORDER BY id) AS next_owned
          FROM ownership_log),
      intervals AS (
        SELECT projection, worker, at AS since,
               CASE WHEN next_owned = false THEN next_at
                    WHEN worker = ${victim.id} THEN ${killTime[0]!.at}::timestamptz
                    ELSE 'infinity'::timestamptz END AS until
          FROM claims WHERE owned)
      SELECT x.projection, x.worker AS a, y.worker AS b FROM intervals x JOIN intervals y
        ON x.projection = y.projection AND (x.worker, x.since) < (y.worker, y.since)
       WHERE x.since < y.until AND y.since < x.until`.execute(db);
    expect(ownershipOverlaps).toEqual([]);
    const { rows: claimCount } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ownership_log WHERE owned`.execute(db);
    expect(claimCount[0]!.n).toBeGreaterThanOrEqual(7);
  });
});
