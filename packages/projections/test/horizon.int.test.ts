import { createEventStore, type SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CatchUpError, createProjector, defineProjection } from '../src/index.js';
import type { BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

/** Issue 11: the projector never holds anyone back, and what holds it back is named. */
const { database, store, db } = await setupDatabase();

describe('the projector and the settled horizon', () => {
  it("does not hold other followers back while a batch is in flight (it declares that it never appends)", async () => {
    // A follower that would wait a minute for any same-database transaction that has not appended.
    const patient = createEventStore<BankEvent>({ connectionString: database.url, horizonGraceMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let inBatch = false;
    const slow = defineProjection<BankEvent, unknown>({
      name: 'slow',
      version: 1,
      query: [{ types: ['MoneyDeposited'] }],
      setup: async () => {},
      reset: async () => {},
      handlerTimeoutMs: 30_000,
      handle: async () => {
        inBatch = true;
        await gate;
      },
    });
    const worker = createProjector({ store, projections: [slow], connectionString: database.url, pollIntervalMs: 50, claimIntervalMs: 100 });
    try {
      await worker.start();
      await store.append([{ type: 'MoneyDeposited', data: { accountId: 'held', amount: 1 } }]);
      await eventually(async () => inBatch, 10_000, 20);
      const start: SettledCheckpoint = await patient.settledCheckpoint();
      await store.append([{ type: 'Noise', data: { n: 42 } }]);
      // The batch transaction holds a transaction id (its checkpoint row lock) and is open: the follower passes it.
      const settled = await eventually(async () => {
        const { events } = await patient.readSettled([{ types: ['Noise'] }], { after: start, limit: 10 });
        return events.length === 1;
      }, 5_000, 50);
      expect(settled).toBe(true);
      const { blockers } = await patient.horizon();
      expect(blockers.filter((b) => b.applicationName === 'tally-projector-batches')).toEqual([]);
    } finally {
      release();
      await worker.stop();
      await patient.close();
    }
  });

  it('fails waitForCatchUp with a CatchUpError that names the transaction holding the horizon', async () => {
    const counter = defineProjection<BankEvent, unknown>({
      name: 'counter',
      version: 1,
      query: [{ types: ['MoneyWithdrawn'] }],
      setup: async () => {},
      reset: async () => {},
      handle: async () => {},
    });
    const worker = createProjector({ store, projections: [counter], connectionString: database.url, pollIntervalMs: 50, claimIntervalMs: 100 });
    await worker.start();
    const holder = await db.startTransaction().execute();
    try {
      await sql`SELECT pg_current_xact_id()`.execute(holder);
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(holder);
      await store.append([{ type: 'MoneyWithdrawn', data: { accountId: 'w', amount: 1 } }]);
      const error = await worker.waitForCatchUp({ timeoutMs: 600 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CatchUpError);
      expect((error as CatchUpError).message).toContain(`pid ${rows[0]!.pid}`);
      expect((error as CatchUpError).horizon?.blockers).toEqual([expect.objectContaining({ pid: rows[0]!.pid, reason: 'within-grace' })]);
    } finally {
      await holder.rollback().execute();
    }
    await worker.waitForCatchUp({ timeoutMs: 10_000 });
    const [status] = await worker.status();
    expect(status).toMatchObject({ lagEvents: 0, unsettledEvents: 0 });
    expect(status!.appliedPosition).toBe(status!.head);
    await worker.stop();
  });
});
