import { describe, expect, it } from 'vitest';
import { deposit, observedStore, setup, sleep, waitFor } from './helpers.js';

const fixture = await setup();

describe('polling and notifications', () => {
  it("delivers everything by polling when appends never notify (notify: 'off')", async () => {
    const silent = fixture.newStore({ notify: 'off' });
    const stream = fixture.newStream({ store: silent, pollIntervalMs: 50 });
    const seen = new Set<string>();
    stream.subscribe({ after: 'end', batchSize: 10, maxWaitMs: 0 }, (batch) => {
      for (const event of batch) seen.add(event.id);
    });
    await waitFor(() => stream.listening, 10_000, 'LISTEN');
    let appended = 0;
    for (let round = 0; round < 10; round += 1) {
      appended += (await silent.append(Array.from({ length: 7 }, (_, i) => deposit(i)))).positions.length;
      await fixture.db.transaction().execute(async (trx) => {
        appended += (await silent.with(trx).append([deposit(99)])).positions.length;
      });
    }
    await waitFor(() => seen.size === appended, 10_000, `${appended} events by polling (have ${seen.size})`);
    await stream.close();
  });

  it('wakes on a notification long before the next poll', async () => {
    const stream = fixture.newStream({ pollIntervalMs: 600_000 });
    const seen = new Set<string>();
    let caughtUp = 0;
    const subscription = stream.subscribe({ after: 'end', batchSize: 10, maxWaitMs: 0 }, (batch) => {
      for (const event of batch) seen.add(event.id);
    });
    subscription.on('caught-up', () => (caughtUp += 1));
    await waitFor(() => stream.listening && caughtUp > 0, 10_000, 'LISTEN');
    await fixture.store.append([deposit(1), deposit(2), deposit(3)]);
    await waitFor(() => seen.size === 3, 5_000, 'delivery on NOTIFY');
    await stream.close();
  });

  it('coalesces a burst of 500 notifications into one read per subscription', async () => {
    const counter = { reads: 0 };
    const stream = fixture.newStream({ store: observedStore(fixture.store, () => (counter.reads += 1)), pollIntervalMs: 600_000 });
    let caughtUp = 0;
    const subscriptions = [1, 2, 3].map(() => stream.subscribe({ after: 'end', batchSize: 100, maxWaitMs: 0 }, () => {}));
    for (const subscription of subscriptions) subscription.on('caught-up', () => (caughtUp += 1));
    await waitFor(() => stream.listening && caughtUp === 3, 10_000, 'LISTEN and the first reads');
    await sleep(100);
    const before = counter.reads;

    // 500 notifications, delivered together when the transaction commits.
    const client = await fixture.client();
    await client.query('BEGIN');
    for (let i = 0; i < 500; i += 1) await client.query('SELECT pg_notify($1, $2)', [fixture.store.channel, String(i)]);
    await client.query('COMMIT');
    await waitFor(() => counter.reads - before >= 3, 10_000, 'each subscription to wake up');
    await sleep(500); // room for the reads a naive listener would still be making

    expect(counter.reads - before).toBeLessThanOrEqual(6); // each read once (at most twice), not 500 times
    await stream.close();
  });
});
