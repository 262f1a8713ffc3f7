import { createEventStore, type EventStore } from '@tally/eventstore';
import { createEventStream } from '@tally/eventstream';
import { startEmbeddedServer, type EmbeddedServer } from '@tally/test-harness';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjector } from '../src/index.js';
import type { BankEvent } from './fixtures/bank.js';
import { compareIds, idsProjection } from './fixtures/ids.js';
import { appendThroughOutages, eventually, sleep, spawnCli } from './helpers.js';

// A private server this file can stop and start, whatever backend the rest of the suite runs on.
let server: EmbeddedServer;
let store: EventStore<BankEvent>;
let db: Kysely<unknown>;
beforeAll(async () => {
  server = await startEmbeddedServer({ maxConnections: 100 });
  store = createEventStore<BankEvent>({ connectionString: server.url, maxConnections: 10 });
  await store.migrate();
  // The test's own reads of the read models, on a pool that survives the restarts too.
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
}, 120_000);
afterAll(async () => {
  await store?.close();
  await db?.destroy();
  await server?.destroy();
});

/** Rows of `table` (0 while the server is down or the table is not there yet). */
async function rowCount(table: string): Promise<number> {
  try {
    return (await compareIds(db, table, [])).rows;
  } catch {
    return 0;
  }
}

/** Ids of every stored event. */
async function storedIds(): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM tally.events`.execute(db);
  return rows.map((row) => row.id);
}

/**
 * 8 appenders and a subscription keep going while the server is stopped fast (FATAL 57P01 to every session), down
 * for 2 s, started, then stopped immediately (sessions cut, crash recovery), down for 2 s, started. Returns the
 * ids the appenders appended, once they have stopped; checks that the subscription got every stored event once.
 */
async function restartsUnderLoad(table: string): Promise<{ ids: string[]; unavailable: number }> {
  const stream = createEventStream({ store, connectionString: server.url, pollIntervalMs: 200 });
  stream.on('error', () => {});
  const delivered = new Map<string, number>();
  const subscription = stream.subscribe({ after: 'start', batchSize: 50, maxWaitMs: 5 }, (batch) => {
    for (const event of batch) delivered.set(event.id, (delivered.get(event.id) ?? 0) + 1);
  });
  subscription.on('error', () => {});
  const appenders = appendThroughOutages(store, 8);
  let failure: unknown;
  try {
    for (const mode of ['fast', 'immediate'] as const) {
      const before = await rowCount(table);
      expect(await eventually(async () => (await rowCount(table)) >= before + 50, 30_000), `${table} progresses before the ${mode} stop`).toBe(true);
      await server.stop({ mode });
      await sleep(2000);
      await server.start();
    }
    const after = appenders.count();
    expect(await eventually(async () => appenders.count() >= after + 100, 30_000), 'appends after the restarts').toBe(true);
  } catch (error) {
    failure = error;
  }
  const appended = await appenders.stop();
  if (failure !== undefined) throw failure;

  const stored = await storedIds();
  expect(await eventually(async () => delivered.size >= stored.length, 60_000), `subscription delivers ${stored.length} (has ${delivered.size})`).toBe(true);
  expect({ missing: stored.filter((id) => !delivered.has(id)).length, twice: [...delivered.values()].filter((n) => n > 1).length }).toEqual({ missing: 0, twice: 0 });
  await stream.close();
  return appended;
}

/** The read model holds every appended event exactly once, and nothing else. */
async function expectExactlyOnce(table: string, ids: readonly string[]): Promise<void> {
  expect(await eventually(async () => (await rowCount(table)) >= ids.length, 60_000), `${table} reaches ${ids.length} rows`).toBe(true);
  await sleep(500); // a duplicate would come after the last expected row
  const result = await compareIds(db, table, ids);
  expect({ rows: result.rows, lost: result.lost.length, duplicated: result.duplicated.length, unexpected: result.unexpected.length }).toEqual({
    rows: ids.length,
    lost: 0,
    duplicated: 0,
    unexpected: 0,
  });
}

describe('a database restart (fast, then immediate) under load', () => {
  it('tally-projector stays up, reconnects, reclaims and resumes: 0 lost, 0 duplicated, exit 0 on SIGTERM', async () => {
    const worker = spawnCli(server.url, ['start', '--config', 'test/fixtures/restart-config.ts', '--worker-id', 'restart-1']);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 30_000)).toBe(true);

    const { ids, unavailable } = await restartsUnderLoad('restart_ids');
    expect(unavailable).toBeGreaterThan(0); // the outages really happened
    const stored = await storedIds();
    expect(stored.length).toBe(ids.length); // retried appends stored once
    await expectExactlyOnce('restart_ids', ids);

    expect(worker.child.exitCode, worker.output().slice(-3000)).toBeNull();
    expect(worker.output()).toContain('worker connection lost');
    expect(worker.output()).toContain('worker connection re-established');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('an in-process projector does too, with no unhandled error event', async () => {
    const projector = createProjector({
      store,
      projections: [idsProjection('restart-ids-in-process', 'restart_ids_in_process')],
      connectionString: server.url,
      batchSize: 20,
      pollIntervalMs: 200,
      claimIntervalMs: 300,
    });
    await projector.start();
    const { ids } = await restartsUnderLoad('restart_ids_in_process');
    // Every event of the store: the first test's too.
    const stored = await storedIds();
    expect(stored.length).toBeGreaterThan(ids.length);
    await expectExactlyOnce('restart_ids_in_process', stored);
    expect(projector.owned()).toEqual(['restart-ids-in-process']);
    const stopping = Date.now();
    await projector.stop();
    expect(Date.now() - stopping).toBeLessThan(5000);
  });
});
