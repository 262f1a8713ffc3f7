import { createEventStream } from '@tally/eventstream';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createProjector } from '../src/index.js';
import { balanceLines, balanceProjection, foldBalances, plain, readBalances, type BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase, sleep } from './helpers.js';

const { database, store, db } = await setupDatabase();

/** The projector sessions on the test database, by `application_name` (batch connections left out). */
async function projectorSessions(workerId: string): Promise<{ lock: number[]; listen: number[] }> {
  const { rows } = await sql<{ pid: number; name: string }>`
    SELECT pid, application_name AS name FROM pg_stat_activity WHERE datname = current_database()`.execute(db);
  return {
    lock: rows.filter((r) => r.name === `tally-projector:tally:${workerId}`).map((r) => r.pid),
    listen: rows.filter((r) => r.name === `tally-projector-listen:${workerId}`).map((r) => r.pid),
  };
}

async function caughtUp(table: string): Promise<boolean> {
  const { events } = await store.read();
  return balanceLines(await readBalances(db, table)).join() === balanceLines(foldBalances(plain(events))).join();
}

/** Milliseconds until `table` holds every event, or Infinity past `timeoutMs`. */
async function timeToCatchUp(table: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return (await eventually(() => caughtUp(table), timeoutMs, 20)) ? Date.now() - started : Number.POSITIVE_INFINITY;
}

const deposit = (accountId: string): BankEvent[] => [{ type: 'MoneyDeposited', data: { accountId, amount: 7 } }];

describe('the projector’s wake-ups', () => {
  it('come from one Listener on its own session: applied at once with polling at 60 s, also after that session is killed, and the locks stay', async () => {
    const worker = createProjector<BankEvent>({
      store,
      projections: [balanceProjection('woken-a', 't_woken_a'), balanceProjection('woken-b', 't_woken_b')],
      connectionString: database.url,
      pollIntervalMs: 60_000,
      claimIntervalMs: 200,
    });
    try {
      await worker.start();
      expect(await eventually(async () => (await projectorSessions(worker.workerId)).listen.length === 1, 10_000)).toBe(true);
      const before = await projectorSessions(worker.workerId);
      expect(before.lock).toHaveLength(1);
      expect(before.listen[0]).not.toBe(before.lock[0]);
      // The LISTEN session is not counted as a second live worker: alone, this worker keeps its full share.
      await sleep(1000);
      expect(worker.owned().sort()).toEqual(['woken-a', 'woken-b']);

      await store.append(deposit('w1'));
      expect(await timeToCatchUp('t_woken_a', 5000)).toBeLessThan(5000);

      // Kill the LISTEN session and append while it is down: the Listener reconnects and the runners read again.
      await sql`SELECT pg_terminate_backend(${before.listen[0]!}::int)`.execute(db);
      await store.append(deposit('w2'));
      expect(await timeToCatchUp('t_woken_b', 10_000)).toBeLessThan(10_000);
      const after = await projectorSessions(worker.workerId);
      expect(after.listen).toHaveLength(1);
      expect(after.listen[0]).not.toBe(before.listen[0]);

      // Notifications flow again on the new session.
      await store.append(deposit('w3'));
      expect(await timeToCatchUp('t_woken_a', 5000)).toBeLessThan(5000);
      expect(await caughtUp('t_woken_b')).toBe(true);

      // The lock session was never touched: same session, same projections.
      expect(after.lock).toEqual(before.lock);
      expect(worker.owned().sort()).toEqual(['woken-a', 'woken-b']);
    } finally {
      await worker.stop();
    }
    expect(await projectorSessions(worker.workerId)).toEqual({ lock: [], listen: [] });
  });

  it('with a stream, come from the stream’s LISTEN: the projector opens none of its own', async () => {
    const stream = createEventStream({ store, connectionString: database.url });
    const worker = createProjector<BankEvent>({
      store,
      stream,
      projections: [balanceProjection('streamed', 't_streamed')],
      connectionString: database.url,
      pollIntervalMs: 60_000,
      claimIntervalMs: 200,
    });
    try {
      await worker.start();
      expect(await eventually(async () => stream.listening, 10_000)).toBe(true);
      await store.append(deposit('s1'));
      expect(await timeToCatchUp('t_streamed', 5000)).toBeLessThan(5000);
      const sessions = await projectorSessions(worker.workerId);
      expect(sessions.lock).toHaveLength(1);
      expect(sessions.listen).toEqual([]);
    } finally {
      await worker.stop();
      await stream.close();
    }
  });
});
