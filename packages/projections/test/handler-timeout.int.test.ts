import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { BatchAbandonedError, createProjector, defineProjection, type Projection, type ProjectionStatus } from '../src/index.js';
import { balanceLines, balanceProjection, foldBalances, readBalances, type BankEvent, type ReadDb } from './fixtures/bank.js';
import { eventually, setupDatabase, spawnCli } from './helpers.js';

const { database, store, db } = await setupDatabase();
const packageDir = fileURLToPath(new URL('..', import.meta.url));

const deposits = (n: number): BankEvent[] => Array.from({ length: n }, (_, i) => ({ type: 'MoneyDeposited', data: { accountId: `h${i % 5}`, amount: 1 + i } }));

/** A projection whose `handle` is given; `setup` creates `table` (n int) for handlers that write. */
function custom(name: string, table: string, handle: (trx: Kysely<ReadDb>) => Promise<void>, handlerTimeoutMs?: number): Projection<BankEvent, ReadDb> {
  return defineProjection<BankEvent, ReadDb>({
    name,
    version: 1,
    query: [{ types: ['MoneyDeposited'] }],
    ...(handlerTimeoutMs === undefined ? {} : { handlerTimeoutMs }),
    setup: async (d) => {
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(table)} (n int NOT NULL)`.execute(d);
    },
    reset: async () => {},
    handle: (_events, trx) => handle(trx),
  });
}

function projector(projections: readonly Projection<BankEvent, ReadDb>[], extra: { maxAttempts?: number; handlerTimeoutMs?: number } = {}) {
  return createProjector({ store, projections, connectionString: database.url, batchSize: 50, pollIntervalMs: 100, claimIntervalMs: 200, retryDelayMs: 20, ...extra });
}

const statusOf = async (worker: { status(): Promise<ProjectionStatus[]> }, name: string) => (await worker.status()).find((s) => s.name === name)!;

/** Sessions of the projector's batch pool on this database that are in a transaction. */
/**
 * Batch sessions holding a transaction open for more than a second: a hung (or not abandoned) batch. A healthy
 * projection's poll is also a short batch transaction, idle in transaction for a moment between its statements;
 * counting those made the check race with the polls.
 */
async function batchSessionsInTransaction(): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND application_name = 'tally-projector-batches' AND state LIKE 'idle in transaction%'
      AND xact_start < now() - interval '1 second'`.execute(db);
  return rows[0]!.n;
}

const never = new Promise<never>(() => {});

describe('a projection handler that does not return', () => {
  it('is abandoned after handlerTimeoutMs and ends failed; the healthy projection beside it applies all 300 events', async () => {
    const starts: number[] = [];
    const pids: number[] = [];
    const hung = custom(
      'hung',
      't_hung',
      async (trx) => {
        starts.push(Date.now());
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid, pg_current_xact_id()`.execute(trx);
        pids.push(rows[0]!.pid);
        await never;
      },
      500,
    );
    const worker = projector([hung, balanceProjection('healthy', 't_healthy')], { maxAttempts: 2 });
    await worker.start();
    const events = deposits(300);
    for (let i = 0; i < events.length; i += 30) await store.append(events.slice(i, i + 30));

    const expected = balanceLines(foldBalances(events));
    expect(await eventually(async () => balanceLines(await readBalances(db, 't_healthy')).join() === expected.join(), 20_000)).toBe(true);
    expect(await eventually(async () => (await statusOf(worker, 'hung')).state === 'failed', 10_000)).toBe(true);
    const failed = await statusOf(worker, 'hung');
    expect(failed.lastError).toContain('handler did not finish within 500 ms');
    expect(failed.checkpoint.position).toBe(0n);
    // maxAttempts: 2, each one abandoned after its timeout; then the batch is split down to the event it hangs on
    // (every one: the first), a timeout per split.
    const { events: stored } = await store.read([{ types: ['MoneyDeposited'] }], { limit: 1 });
    expect(failed.failedPosition).toBe(stored[0]!.position);
    expect(starts.length).toBeGreaterThan(2);
    expect(starts.length).toBeLessThanOrEqual(2 + 8);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(500);

    // The server-side transactions of the abandoned batches are gone with their sessions.
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY(${pids}::int[])`.execute(db);
    expect(rows[0]!.n).toBe(0);
    expect(await batchSessionsInTransaction()).toBe(0);

    const stopped = Date.now();
    await worker.stop();
    expect(Date.now() - stopped).toBeLessThan(2000);
  });

  it('holds stop() up at most stop({ timeoutMs }), rolls back, and does not count as a failure', async () => {
    let started = 0;
    const stuck = custom(
      'stuck-at-stop',
      't_stuck',
      async (trx) => {
        started += 1;
        await sql`INSERT INTO t_stuck (n) VALUES (1)`.execute(trx);
        await never;
      },
      60_000,
    );
    const worker = projector([stuck]);
    await worker.start();
    await store.append(deposits(5));
    expect(await eventually(async () => started === 1 && (await batchSessionsInTransaction()) === 1, 10_000)).toBe(true);

    const stopping = Date.now();
    await worker.stop({ timeoutMs: 300 });
    expect(Date.now() - stopping).toBeLessThan(2000);
    expect(await batchSessionsInTransaction()).toBe(0);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM t_stuck`.execute(db);
    expect(rows[0]!.n).toBe(0);
    const reader = projector([stuck]);
    const after = await statusOf(reader, 'stuck-at-stop');
    await reader.stop();
    expect(after.state).not.toBe('failed');
    expect(after.checkpoint.position).toBe(0n);
  });

  it('commits nothing when the handler resumes after its timeout: its late statements are refused', async () => {
    let late: unknown;
    const slow = custom(
      'late',
      't_late',
      async (trx) => {
        await new Promise((resolve) => setTimeout(resolve, 800));
        try {
          await sql`INSERT INTO t_late (n) VALUES (1)`.execute(trx);
        } catch (error) {
          late = error;
        }
      },
      300,
    );
    const worker = projector([slow], { maxAttempts: 1 });
    await worker.start();
    await store.append(deposits(5));
    expect(await eventually(async () => (await statusOf(worker, 'late')).state === 'failed', 10_000)).toBe(true);
    expect(await eventually(async () => late !== undefined, 5000)).toBe(true);
    expect(late).toBeInstanceOf(BatchAbandonedError);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM t_late`.execute(db);
    expect(rows[0]!.n).toBe(0);
    expect((await statusOf(worker, 'late')).checkpoint.position).toBe(0n);
    await worker.stop();
  });

  it('cannot keep its transaction open by blocking the event loop: the server ends it (idle_in_transaction_session_timeout)', async () => {
    // While the handler blocks this process, a child process watches the batch's session on the server.
    let seen: { states: string[]; goneAfterMs: number | null } | undefined;
    const blocking = custom(
      'blocking',
      't_blocking',
      async (trx) => {
        const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
        const watcher = `
          import pg from 'pg';
          const client = new pg.Client({ connectionString: process.env.URL });
          await client.connect();
          const states = []; const started = Date.now(); let goneAfterMs = null;
          while (Date.now() - started < 6000) {
            const { rows } = await client.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [Number(process.env.PID)]);
            if (rows.length === 0) { goneAfterMs = Date.now() - started; break; }
            if (states.at(-1) !== rows[0].state) states.push(rows[0].state);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          await client.end();
          process.stdout.write(JSON.stringify({ states, goneAfterMs }));`;
        const result = spawnSync(process.execPath, ['--input-type=module', '-e', watcher], {
          cwd: packageDir,
          env: { ...process.env, URL: database.url, PID: String(rows[0]!.pid) },
          encoding: 'utf8',
        });
        seen = JSON.parse(result.stdout) as typeof seen;
      },
      300,
    );
    const worker = projector([blocking], { maxAttempts: 1 });
    await worker.start();
    await store.append(deposits(3));
    expect(await eventually(async () => (await statusOf(worker, 'blocking')).state === 'failed', 15_000)).toBe(true);
    expect(seen?.states).toEqual(['idle in transaction']);
    // Ended by the server at the handler timeout plus a second of grace, while this process could do nothing.
    expect(seen?.goneAfterMs).not.toBeNull();
    expect(seen!.goneAfterMs!).toBeLessThan(4000);
    expect((await statusOf(worker, 'blocking')).lastError).toContain('handler did not finish within 300 ms');
    await worker.stop();
  });

  it('does not hold up tally-projector on SIGTERM: the batch is abandoned within --shutdown-timeout, exit 0', async () => {
    const worker = spawnCli(database.url, ['start', '--config', 'test/fixtures/hung-config.ts', '--shutdown-timeout', '2000']);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 20_000)).toBe(true);
    await store.append(deposits(3));
    expect(await eventually(async () => (await batchSessionsInTransaction()) === 1, 10_000)).toBe(true);

    const signalled = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited, worker.output().slice(-2000)).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(2000);
    expect(await eventually(async () => (await batchSessionsInTransaction()) === 0, 2000)).toBe(true);
  });
});
