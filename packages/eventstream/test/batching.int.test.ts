import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../src/index.js';
import { deferred, deposit, observedStore, setup, sleep, waitFor } from './helpers.js';

const fixture = await setup();

async function here() {
  return formatCheckpoint(await fixture.store.settledCheckpoint());
}

describe('batching and backpressure', () => {
  it('fills batches to batchSize at once, without waiting for maxWaitMs', async () => {
    const stream = fixture.newStream({ pollIntervalMs: 50 });
    const start = await here();
    await fixture.store.append(Array.from({ length: 250 }, (_, i) => deposit(i)));
    const sizes: number[] = [];
    // maxWaitMs far beyond the wait below: the full batches can only come through if they do not wait for it.
    const subscription = stream.subscribe({ after: start, batchSize: 100, maxWaitMs: 600_000 }, (batch) => {
      sizes.push(batch.length);
    });
    await waitFor(() => sizes.length === 2, 15_000, 'two full batches');
    await sleep(300);
    expect(sizes).toEqual([100, 100]); // the remaining 50 wait for maxWaitMs
    await subscription.stop();
  });

  it('delivers the remainder of a backlog only after maxWaitMs', async () => {
    const stream = fixture.newStream({ pollIntervalMs: 50 });
    const start = await here();
    const appendedAt = performance.now();
    await fixture.store.append(Array.from({ length: 250 }, (_, i) => deposit(i)));
    const batches: { size: number; at: number }[] = [];
    stream.subscribe({ after: start, batchSize: 100, maxWaitMs: 1_500 }, (batch) => {
      batches.push({ size: batch.length, at: performance.now() - appendedAt });
    });
    await waitFor(() => batches.length === 3, 15_000, 'three batches');
    expect(batches.map((b) => b.size)).toEqual([100, 100, 50]);
    expect(batches[2]!.at).toBeGreaterThanOrEqual(1_450); // the partial one waits for maxWaitMs
  });

  it('delivers a lone event after about maxWaitMs, not at once', async () => {
    const stream = fixture.newStream({ pollIntervalMs: 50 });
    const start = await here();
    let deliveredAt = 0;
    let caughtUp = 0;
    const subscription = stream.subscribe({ after: start, batchSize: 100, maxWaitMs: 800 }, () => {
      deliveredAt = performance.now();
    });
    subscription.on('caught-up', () => (caughtUp += 1));
    await waitFor(() => caughtUp === 1, 10_000, 'caught up');
    const appendedAt = performance.now();
    await fixture.store.append([deposit(7)]);
    await waitFor(() => deliveredAt > 0, 10_000, 'the lone event');
    expect(deliveredAt - appendedAt).toBeGreaterThanOrEqual(750);
    expect(deliveredAt - appendedAt).toBeLessThan(800 + 5_000);
  });

  it('reads at most one batch ahead of a slow handler, runs one batch at a time, in order, and then delivers everything', async () => {
    let fetched = 0;
    const stream = fixture.newStream({ store: observedStore(fixture.store, (result) => (fetched += result.events.length)), pollIntervalMs: 20 });
    const start = await here();
    const { positions } = await fixture.store.append(Array.from({ length: 500 }, (_, i) => deposit(i)));
    const release = deferred();
    const received: bigint[] = [];
    let active = 0;
    let maxActive = 0;
    stream.subscribe({ after: start, batchSize: 10, maxWaitMs: 0 }, async (batch) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await release.promise;
      await sleep(1);
      for (const event of batch) received.push(event.position);
      active -= 1;
    });
    await sleep(600); // ~30 poll intervals with the handler stuck on the first batch
    expect(fetched).toBeLessThanOrEqual(20); // the batch in flight + one buffered batch, not 500
    release.resolve();
    await waitFor(() => received.length === positions.length, 20_000, 'all events');
    expect(received).toEqual(positions);
    expect(maxActive).toBe(1);
    expect(fetched).toBe(positions.length);
  });

  it('runs handlers of different subscriptions concurrently, up to the stream concurrency', async () => {
    for (const concurrency of [1, 3]) {
      const stream = fixture.newStream({ concurrency });
      const start = await here();
      await fixture.store.append([deposit(1)]);
      let active = 0;
      let maxActive = 0;
      let done = 0;
      const subscriptions = [1, 2, 3].map(() =>
        stream.subscribe({ after: start, maxWaitMs: 0 }, async () => {
          active += 1;
          maxActive = Math.max(maxActive, active);
          // Hold the slot until as many handlers as allowed are in (or a while has passed).
          await waitFor(() => active >= concurrency, 2_000).catch(() => {});
          await sleep(100);
          active -= 1;
          done += 1;
        }),
      );
      await waitFor(() => done === 3, 10_000, 'three handlers');
      expect(maxActive).toBe(concurrency);
      await Promise.all(subscriptions.map((s) => s.stop()));
    }
  });
});
