import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CatchUpError, createProjector, type Projector } from '../src/index.js';
import { balanceLines, balanceProjection, foldBalances, plain, readBalances, type BankEvent } from './fixtures/bank.js';
import { appendContinuously, eventually, setupDatabase } from './helpers.js';

const { database, store, db } = await setupDatabase();

const deposits = (n: number, amount = 10): BankEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'MoneyDeposited', data: { accountId: `acc${i % 7}`, amount } }) as const);

async function caughtUp(table: string): Promise<boolean> {
  const { events } = await store.read();
  return balanceLines(await readBalances(db, table)).join() === balanceLines(foldBalances(plain(events))).join();
}

async function expectCaughtUp(table: string): Promise<void> {
  await eventually(() => caughtUp(table), 20_000);
  const { events } = await store.read();
  expect(balanceLines(await readBalances(db, table))).toEqual(balanceLines(foldBalances(plain(events))));
}

function projector(projections: Parameters<typeof createProjector<BankEvent>>[0]['projections'], extra: { maxAttempts?: number } = {}): Projector {
  return createProjector({ store, projections, connectionString: database.url, batchSize: 25, pollIntervalMs: 100, claimIntervalMs: 200, retryDelayMs: 20, ...extra });
}

describe('projector lifecycle', () => {
  it('status() shows the lag of a projection nobody runs yet, then none once caught up', async () => {
    const p = balanceProjection('lagging', 't_lag');
    const worker = projector([p]);
    await worker.rebuild('lagging'); // creates tables and the checkpoint row without running anything
    await store.append([...deposits(40), { type: 'Noise', data: { n: 1 } }]);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const [before] = await worker.status();
    expect(before).toMatchObject({ name: 'lagging', state: 'rebuilding', lagEvents: 40, ownedHere: false });
    expect(before!.lagSeconds).toBeGreaterThanOrEqual(1);
    expect(before!.head).toBeGreaterThanOrEqual(41n);

    await worker.start();
    await expectCaughtUp('t_lag');
    await eventually(async () => (await worker.status())[0]!.state === 'running', 5000);
    const [after] = await worker.status();
    expect(after).toMatchObject({ state: 'running', lagEvents: 0, lagSeconds: 0, owner: worker.workerId, ownedHere: true, lastError: null });
    await worker.stop();
  });

  it('waitForCatchUp waits for events that committed but are not settled yet, and status() counts them and names who holds them', async () => {
    const worker = projector([balanceProjection('catch-up', 't_catch')]);
    await worker.start();
    // A transaction with an xid, open elsewhere on the server, holds the settled horizon below the appends.
    const holder = await db.startTransaction().execute();
    try {
      await sql`SELECT pg_current_xact_id()`.execute(holder);
      await store.append(deposits(20));
      const waiting = worker.waitForCatchUp({ timeoutMs: 20_000 });
      const outcome = await Promise.race([waiting.then(() => 'resolved'), new Promise((resolve) => setTimeout(() => resolve('pending'), 500))]);
      expect(outcome).toBe('pending');
      // Committed, not applied: counted, and the ones the horizon holds back said so, with the holder named.
      const [status] = await worker.status();
      expect(status).toMatchObject({ lagEvents: 20, unsettledEvents: 20 });
      expect(status!.horizon.blockers).toEqual([expect.objectContaining({ reason: 'within-grace', state: 'idle in transaction' })]);
      await holder.rollback().execute();
      await waiting;
    } finally {
      if (!holder.isRolledBack) await holder.rollback().execute();
    }
    const { events } = await store.read();
    expect(balanceLines(await readBalances(db, 't_catch'))).toEqual(balanceLines(foldBalances(plain(events))));
    await worker.stop();
  });

  it('a version bump resets the read table and replays everything while new events keep arriving', async () => {
    const v1 = projector([balanceProjection('versioned', 't_ver', { version: 1 })]);
    await v1.start();
    await store.append(deposits(100));
    await expectCaughtUp('t_ver');
    await v1.stop();

    // Corrupt the read table: only a reset + full replay brings it back (no reset doubles it; no rebuild keeps zeros).
    await sql`UPDATE t_ver SET balance = 0, events = 0`.execute(db);
    const appender = appendContinuously(store, 10, 2, 20);
    const v2 = projector([balanceProjection('versioned', 't_ver', { version: 2 })]);
    await v2.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await appender.stop();
    await expectCaughtUp('t_ver');
    const [status] = await v2.status();
    expect(status).toMatchObject({ version: 2, storedVersion: 2, lagEvents: 0 });

    // rebuild() does the same on demand, with the worker running.
    await sql`UPDATE t_ver SET balance = balance + 1`.execute(db);
    await v2.rebuild('versioned');
    await expectCaughtUp('t_ver');
    await v2.stop();
  });

  it('a handler that keeps throwing stops only its projection, with the error in status()', async () => {
    const good = balanceProjection('good', 't_good');
    const bad = balanceProjection('bad', 't_bad', { poison: 777_777 });
    const worker = projector([good, bad], { maxAttempts: 3 });
    await worker.start();
    await store.append(deposits(30));
    const { positions } = await store.append([{ type: 'MoneyDeposited', data: { accountId: 'acc1', amount: 777_777 } }]);
    const poisonPosition = positions[0]!;
    await store.append(deposits(30));

    expect(await eventually(async () => (await worker.status()).find((s) => s.name === 'bad')!.state === 'failed', 15_000)).toBe(true);
    const bad1 = (await worker.status()).find((s) => s.name === 'bad')!;
    expect(bad1.lastError).toContain('poison amount 777777');
    expect(bad1.failedPosition).not.toBeNull();
    expect(bad1.failedPosition!).toBeLessThanOrEqual(poisonPosition);
    expect(bad1.checkpoint.position).toBeLessThan(poisonPosition);
    expect(bad1.lagEvents).toBeGreaterThan(30);
    const { rows } = await sql<{ n: number }>`SELECT coalesce(max(balance), 0)::int AS n FROM t_bad`.execute(db);
    expect(rows[0]!.n).toBeLessThan(777_777);

    await expect(worker.waitForCatchUp({ timeoutMs: 10_000 })).rejects.toBeInstanceOf(CatchUpError);

    // The other projection keeps running.
    await store.append(deposits(20));
    await expectCaughtUp('t_good');
    expect((await worker.status()).find((s) => s.name === 'good')).toMatchObject({ state: 'running', lastError: null });
    await worker.stop();

    // A restarted worker leaves the failed projection alone.
    const again = projector([good, bad], { maxAttempts: 3 });
    await again.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(again.owned()).toEqual(['good']);
    expect((await again.status()).find((s) => s.name === 'bad')!.state).toBe('failed');
    await again.stop();
  });
});
