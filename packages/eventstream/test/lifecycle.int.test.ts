import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tally/test-harness';
import { describe, expect, it } from 'vitest';
import { compareCheckpoints, formatCheckpoint, StreamClosedError, type BatchContext } from '../src/index.js';
import { deferred, deposit, observedStore, setup, sleep, waitFor } from './helpers.js';

const fixture = await setup();

describe('stop and close', () => {
  it('stop() during a batch waits for it, counts it, and is safe to call twice at once', async () => {
    const stream = fixture.newStream();
    const start = formatCheckpoint(await fixture.store.settledCheckpoint());
    await fixture.store.append([deposit(1), deposit(2)]);
    const release = deferred();
    const entered = deferred();
    let context: BatchContext | undefined;
    let finished = false;
    const subscription = stream.subscribe({ after: start, batchSize: 10, maxWaitMs: 0 }, async (_batch, ctx) => {
      context = ctx;
      entered.resolve();
      await release.promise;
      finished = true;
    });
    await entered.promise;
    const first = subscription.stop();
    const second = subscription.stop();
    expect(second).toBe(first);
    let stopped = false;
    void first.then(() => (stopped = true));
    await sleep(300);
    expect(stopped).toBe(false);
    expect(subscription.state).toBe('stopping');
    expect(context!.signal.aborted).toBe(true); // the handler may notice, but it is not cut off
    release.resolve();
    await Promise.all([first, second, subscription.stop()]);
    expect(finished).toBe(true);
    expect(subscription.state).toBe('stopped');
    expect(subscription.checkpoint).toBe(context!.checkpoint);
    expect(compareCheckpoints(subscription.checkpoint!, start)).toBeGreaterThan(0);
  });

  it('stop() while a failed batch waits to be retried returns at once and does not skip it', async () => {
    const stream = fixture.newStream();
    const start = formatCheckpoint(await fixture.store.settledCheckpoint());
    await fixture.store.append([deposit(1)]);
    let calls = 0;
    const subscription = stream.subscribe({ after: start, maxWaitMs: 0, retryDelayMs: 60_000 }, () => {
      calls += 1;
      throw new Error('later');
    });
    subscription.on('error', () => {});
    await waitFor(() => calls === 1, 10_000, 'the first call');
    const started = Date.now();
    await subscription.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(subscription.state).toBe('stopped');
    expect(subscription.checkpoint).toBe(start);
  });

  it('stop() of a subscription waiting for a queue slot does not wait for the other subscription holding it', async () => {
    let readsWithEvents = 0;
    const store = observedStore(fixture.store, (result) => void (readsWithEvents += result.events.length > 0 ? 1 : 0));
    const stream = fixture.newStream({ concurrency: 1, store });
    const start = formatCheckpoint(await fixture.store.settledCheckpoint());
    await fixture.store.append([deposit(1)]);
    const release = deferred();
    const busy = deferred();
    const holder = stream.subscribe({ after: start, maxWaitMs: 0 }, async () => {
      busy.resolve();
      await release.promise;
    });
    await busy.promise;
    let waiterCalls = 0;
    const waiter = stream.subscribe({ after: start, maxWaitMs: 0 }, () => void (waiterCalls += 1));
    await waitFor(() => readsWithEvents === 2, 10_000, "the waiter's read"); // the holder's and the waiter's
    await sleep(50); // its batch is queued behind the holder
    await waiter.stop();
    expect(waiterCalls).toBe(0);
    expect(waiter.checkpoint).toBe(start);
    release.resolve();
    await holder.stop();
    expect(waiterCalls).toBe(0);
  });

  it("after: 'end' skips what is already stored; close() stops every subscription and releases the LISTEN connection", async () => {
    const admin = await fixture.client();
    await fixture.store.append([deposit(1)]);
    const applicationName = 'tally_close_test';
    const stream = fixture.newStream({ applicationName });
    const seen: number[] = [];
    const subscriptions = [1, 2].map(() =>
      stream.subscribe({ query: [{ types: ['MoneyDeposited'] }], after: 'end', maxWaitMs: 0 }, (batch) => {
        for (const event of batch) seen.push(event.data.amount);
      }),
    );
    await waitFor(() => stream.listening && subscriptions.every((s) => s.checkpoint !== undefined), 10_000, 'start');
    await fixture.store.append([deposit(42)]);
    await waitFor(() => seen.length === 2, 10_000, 'delivery');
    expect(seen).toEqual([42, 42]);
    expect(stream.subscriptions).toHaveLength(2);

    await Promise.all([stream.close(), stream.close()]);
    expect(subscriptions.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(stream.subscriptions).toHaveLength(0);
    expect(stream.listening).toBe(false);
    const { rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect(rows).toHaveLength(0);
    expect(() => stream.subscribe({ after: 'end' }, () => {})).toThrow(StreamClosedError);
  });

  it('close() right after subscribe() leaves no connection behind', async () => {
    const admin = await fixture.client();
    const applicationName = 'tally_quick_close';
    const stream = fixture.newStream({ applicationName });
    const subscription = stream.subscribe({ after: 'end' }, () => {});
    await stream.close();
    expect(subscription.state).toBe('stopped');
    await sleep(300); // time for a connection opened late (after close) to show up
    // The server lists a backend until it has noticed the client left: wait for that too, up to 5 s.
    let rows: unknown[] = [{}];
    for (let tries = 0; rows.length > 0 && tries < 500; tries++) {
      if (tries > 0) await sleep(10);
      ({ rows } = await admin.query('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]));
    }
    expect(rows).toHaveLength(0);
  });

  for (const listener of ['a working LISTEN connection', 'a LISTEN connection that cannot connect'] as const) {
    it(`close() lets the process exit on its own, with ${listener}`, async () => {
      const listenerUrl = listener.includes('cannot') ? `postgres://postgres@127.0.0.1:${await freePort()}/nowhere` : fixture.database.url;
      const script = fileURLToPath(new URL('./fixtures/close-exits.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, fixture.database.url, listenerUrl], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let closedAt = 0;
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('closed after')) closedAt ||= Date.now();
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const timeout = sleep(30_000).then(() => 'timeout' as const);
      const outcome = await Promise.race([exit, timeout]);
      if (outcome === 'timeout') child.kill('SIGKILL');
      expect(outcome, stderr).toBe(0);
      expect(stdout).toContain('closed after 3 events');
      expect(Date.now() - closedAt).toBeLessThan(5_000); // it exited promptly once closed: nothing left running
    });
  }
});
