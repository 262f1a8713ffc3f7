import { randomBytes } from 'node:crypto';
import { freePort } from '@tally/test-harness';
import { describe, expect, it } from 'vitest';
import { createEventStream, ListenerError } from '../src/index.js';
import { deposit, expectExactlyOnce, setup, sleep, storedIds, waitFor } from './helpers.js';

const fixture = await setup();
const admin = await fixture.client();

/** Counts deliveries per event id. */
function collector() {
  const seen = new Map<string, number>();
  const handler = (batch: readonly { id: string }[]) => {
    for (const event of batch) seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
  };
  return { seen, handler };
}

describe('the LISTEN connection', () => {
  it('reconnects after being killed repeatedly while events are appended, and everything is delivered', async () => {
    const applicationName = `tally_kill_${randomBytes(4).toString('hex')}`;
    // A poll far beyond the test's length: delivery depends on notifications and on re-reads after reconnects.
    const stream = fixture.newStream({ applicationName, pollIntervalMs: 600_000 });
    const reconnects: boolean[] = [];
    stream.on('listening', ({ reconnected }) => reconnects.push(reconnected));
    const { seen, handler } = collector();
    const subscription = stream.subscribe({ after: 'start', batchSize: 20, maxWaitMs: 5 }, handler);
    await waitFor(() => stream.listening, 10_000, 'LISTEN');

    let writing = true;
    const writer = (async () => {
      while (writing) {
        await fixture.store.append([deposit(1), deposit(2)]);
        await sleep(2);
      }
    })();
    for (let kill = 1; kill <= 4; kill += 1) {
      await sleep(100);
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        applicationName,
      ]);
      expect(rowCount).toBe(1);
      await waitFor(() => reconnects.length === kill + 1 && stream.listening, 15_000, `reconnect #${kill}`);
    }
    writing = false;
    await writer;
    await fixture.store.append([deposit(3)]); // its notification wakes the subscription up one last time

    const ids = await storedIds(admin);
    await waitFor(() => seen.size >= ids.length, 15_000, `${ids.length} events (have ${seen.size})`);
    expectExactlyOnce(ids, seen);
    expect(reconnects).toEqual([false, true, true, true, true]);
    expect(subscription.state).toBe('running');
    await stream.close();
  });

  it('re-reads after reconnecting: events whose notifications were lost while LISTEN was down are delivered at once', async () => {
    // The listener logs in as its own role; locking that role out keeps LISTEN down while events are appended.
    const role = `tally_listener_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'listener'`);
    const url = new URL(fixture.database.url);
    url.username = role;
    url.password = 'listener';
    const applicationName = `tally_lockout_${randomBytes(4).toString('hex')}`;
    const stream = createEventStream({ store: fixture.store, connectionString: url.toString(), applicationName, pollIntervalMs: 600_000 });
    try {
      const errors: ListenerError[] = [];
      stream.on('error', (error) => errors.push(error));
      const reconnects: boolean[] = [];
      stream.on('listening', ({ reconnected }) => reconnects.push(reconnected));

      const { seen, handler } = collector();
      let caughtUp = 0;
      const subscription = stream.subscribe({ after: 'end', batchSize: 100, maxWaitMs: 5 }, handler);
      subscription.on('caught-up', () => (caughtUp += 1));
      await waitFor(() => stream.listening && caughtUp > 0, 10_000, 'LISTEN and the first read');

      await admin.query(`ALTER ROLE ${role} NOLOGIN`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      await waitFor(() => errors.length > 0 && !stream.listening, 10_000, 'the listener to notice');
      expect(errors[0]).toBeInstanceOf(ListenerError);
      expect(errors[0]!.code).toBe('LISTENER_UNAVAILABLE');

      const { positions } = await fixture.store.append(Array.from({ length: 30 }, (_, i) => deposit(i)));
      await sleep(500);
      expect(seen.size).toBe(0); // nobody heard the notification, and the next poll is minutes away

      await admin.query(`ALTER ROLE ${role} LOGIN`);
      await waitFor(() => seen.size === positions.length, 10_000, 'delivery after the reconnect');
      expect(reconnects).toEqual([false, true]);
      expect([...seen.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await stream.close();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });

  it('when LISTEN cannot connect at all, warns with a ListenerError and delivers by polling; close() still returns promptly', async () => {
    const deadUrl = `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;
    const stream = fixture.newStream({ connectionString: deadUrl, pollIntervalMs: 50 });
    const errors: ListenerError[] = [];
    stream.on('error', (error) => errors.push(error));
    const { seen, handler } = collector();
    stream.subscribe({ after: 'end', batchSize: 10, maxWaitMs: 0 }, handler);
    await waitFor(() => errors.length > 0, 10_000, 'a listener error');
    expect(errors[0]).toBeInstanceOf(ListenerError);
    expect(errors[0]!.message).toMatch(/Cannot open the LISTEN connection/);
    expect(errors[0]!.cause).toBeInstanceOf(Error);

    const { positions } = await fixture.store.append(Array.from({ length: 25 }, (_, i) => deposit(i)));
    await waitFor(() => seen.size === positions.length, 10_000, 'delivery by polling');
    expect(stream.listening).toBe(false);

    await sleep(1_500); // let the listener's reconnect loop run a few rounds
    const started = Date.now();
    await stream.close();
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
