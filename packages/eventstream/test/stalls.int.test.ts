import { createEventStore } from '@tally/eventstore';
import { adminQuery, uniqueDatabaseName, withDatabase } from '@tally/test-harness';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { HandlerTimeoutError, type RetryInfo, type StallInfo } from '../src/index.js';
import { deferred, deposit, setup, waitFor, type Fixture, type TestEvent } from './helpers.js';

/** Issue 11: strangers cannot stall a stream, a stall that remains is named, and a hung handler cannot hang it. */
let fx: Fixture;
beforeAll(async () => {
  fx = await setup();
});

async function holdTransactionId(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: 'held-open' });
  c.on('error', () => {});
  await c.connect();
  await c.query('BEGIN');
  await c.query('SELECT pg_current_xact_id()');
  return c;
}

describe('a stream on a shared server', () => {
  it('delivers at once while a transaction sits idle in another database', async () => {
    const other = uniqueDatabaseName('tally_stranger');
    await adminQuery(fx.database.adminUrl, `CREATE DATABASE ${other}`);
    const stranger = await holdTransactionId(withDatabase(fx.database.adminUrl, other));
    try {
      const stream = fx.newStream();
      const seen: string[] = [];
      const sub = stream.subscribe({ after: 'end', maxWaitMs: 0 }, (batch) => {
        for (const e of batch) seen.push(e.id);
      });
      await waitFor(() => sub.state === 'running', 5_000, 'running');
      await fx.store.append([deposit(1, 'stranger-db')]);
      // The naive horizon (the cluster's oldest transaction) holds it for as long as the stranger stays open.
      await waitFor(() => seen.length === 1, 5_000, 'the event, despite the stranger');
      await sub.stop();
    } finally {
      await stranger.end();
      await adminQuery(fx.database.adminUrl, `DROP DATABASE IF EXISTS ${other} WITH (FORCE)`);
    }
  });

  it('emits stalled naming the transaction that holds the horizon, then stall-ended, and delivers once it ends', async () => {
    // A patient store: the holder (same database, no append) is within its grace for a minute.
    const store = createEventStore<TestEvent>({ connectionString: fx.database.url, horizonGraceMs: 60_000 });
    const stream = fx.newStream({ store, stallThresholdMs: 400 });
    const stalls: StallInfo[] = [];
    const ended = deferred();
    stream.on('stalled', (info) => stalls.push(info));
    stream.on('stall-ended', () => ended.resolve());
    const seen: string[] = [];
    const sub = stream.subscribe({ after: 'end', maxWaitMs: 0 }, (batch) => {
      for (const e of batch) seen.push(e.id);
    });
    await waitFor(() => sub.state === 'running', 5_000, 'running');
    const holder = await holdTransactionId(fx.database.url);
    const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    try {
      await store.append([deposit(1, 'behind-holder')]);
      await waitFor(() => stalls.length > 0, 10_000, 'a stalled event');
      expect(seen).toEqual([]);
      expect(stalls[0]!.unsettledEvents).toBe(1);
      expect(stalls[0]!.blockers).toEqual([
        expect.objectContaining({ pid: rows[0]!.pid, reason: 'within-grace', applicationName: 'held-open', state: 'idle in transaction' }),
      ]);
      expect(stalls[0]!.stalledForMs).toBeGreaterThanOrEqual(400);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await ended.promise;
    await waitFor(() => seen.length === 1, 5_000, 'the event after the holder ended');
    expect(stalls).toHaveLength(1);
    await sub.stop();
    await stream.close();
    await store.close();
  });

  it('abandons a handler call past handlerTimeoutMs, frees its slot for other subscriptions, and retries it', async () => {
    const stream = fx.newStream({ concurrency: 1 });
    const hang = deferred();
    const retries: RetryInfo[] = [];
    const first: string[] = [];
    let calls = 0;
    let abortedWith: unknown;
    const hung = stream.subscribe({ after: 'end', maxWaitMs: 0, handlerTimeoutMs: 300, retryDelayMs: 10, name: 'hung' }, async (batch, { signal }) => {
      calls += 1;
      if (calls === 1) {
        signal.addEventListener('abort', () => (abortedWith = signal.reason));
        await hang.promise; // never resolves during the test
      }
      for (const e of batch) first.push(e.id);
    });
    hung.on('retry', (info) => retries.push(info));
    const other: string[] = [];
    const healthy = stream.subscribe({ after: 'end', maxWaitMs: 0, name: 'healthy' }, (batch) => {
      for (const e of batch) other.push(e.id);
    });
    await waitFor(() => hung.state === 'running' && healthy.state === 'running', 5_000, 'running');
    await fx.store.append([deposit(1, 'hung-handler')]);
    await waitFor(() => other.length === 1, 5_000, 'the healthy subscription, through the one slot');
    await waitFor(() => first.length === 1, 5_000, 'the retried batch');
    expect(retries).toHaveLength(1);
    expect(retries[0]!.error).toBeInstanceOf(HandlerTimeoutError);
    expect(abortedWith).toBeInstanceOf(HandlerTimeoutError);
    expect(calls).toBe(2);
    const stopping = performance.now();
    await stream.close();
    expect(performance.now() - stopping).toBeLessThan(2_000);
    hang.resolve();
  });
});
