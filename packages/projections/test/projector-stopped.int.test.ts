import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createProjector, ProjectorStoppedError, type Projector } from '../src/index.js';
import { balanceProjection, type BankEvent } from './fixtures/bank.js';
import { setupDatabase } from './helpers.js';

const { database, store, db } = await setupDatabase();

const projector = (name: string): Projector =>
  createProjector<BankEvent>({ store, projections: [balanceProjection(name, `t_${name}`)], connectionString: database.url, pollIntervalMs: 100, claimIntervalMs: 200 });

/** Calls every method that needs the projector's connections, and what each one rejected with. */
async function callsAfterStop(worker: Projector, name: string): Promise<Record<string, unknown>> {
  const calls = { start: () => worker.start(), rebuild: () => worker.rebuild(name), status: () => worker.status(), waitForCatchUp: () => worker.waitForCatchUp({ timeoutMs: 1000 }) };
  const outcomes: Record<string, unknown> = {};
  for (const [operation, call] of Object.entries(calls)) outcomes[operation] = await call().then(() => 'resolved', (error: unknown) => error);
  return outcomes;
}

describe('a stopped projector', () => {
  it('refuses start, rebuild, status and waitForCatchUp with ProjectorStoppedError', async () => {
    const worker = projector('stopped_after_run');
    await worker.start();
    await worker.stop();
    const outcomes = await callsAfterStop(worker, 'stopped_after_run');
    for (const [operation, outcome] of Object.entries(outcomes)) {
      expect(outcome, operation).toBeInstanceOf(ProjectorStoppedError);
      expect(outcome, operation).toMatchObject({ code: 'PROJECTOR_STOPPED', operation });
    }
    expect(worker.owned()).toEqual([]);
    await worker.stop(); // still safe
  });

  it('refuses them too when it was stopped before it ever started', async () => {
    const worker = projector('stopped_before_start');
    await worker.status(); // works before start
    await Promise.all([worker.stop(), worker.stop()]);
    const outcomes = await callsAfterStop(worker, 'stopped_before_start');
    for (const [operation, outcome] of Object.entries(outcomes)) expect(outcome, operation).toBeInstanceOf(ProjectorStoppedError);
  });

  it('fails a waitForCatchUp in flight with ProjectorStoppedError once stop() closes its connections', async () => {
    const worker = projector('stopped_while_waiting');
    await worker.start();
    // A transaction with an xid holds the settled horizon below the append, so the wait cannot end on its own.
    const holder = await db.startTransaction().execute();
    try {
      await sql`SELECT pg_current_xact_id()`.execute(holder);
      await store.append([{ type: 'MoneyDeposited', data: { accountId: 'x', amount: 1 } }]);
      const waiting = worker.waitForCatchUp({ timeoutMs: 20_000 }).then(() => 'resolved', (error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await worker.stop();
      const outcome = await waiting;
      expect(outcome).toBeInstanceOf(ProjectorStoppedError);
      expect((outcome as ProjectorStoppedError).cause).toBeInstanceOf(Error);
    } finally {
      await holder.rollback().execute();
    }
  });
});
