import { describe, expect, it } from 'vitest';
import {
  compareCheckpoints,
  formatCheckpoint,
  SubscriptionHandlerError,
  type RetryInfo,
  type SubscriptionEventMap,
} from '../src/index.js';
import { deposit, setup, waitFor } from './helpers.js';

const fixture = await setup();

describe('handler errors', () => {
  it('retries a failing batch with backoff: a handler that throws twice gets the same batch three times, and nothing is lost', async () => {
    const stream = fixture.newStream();
    const { positions } = await fixture.store.append(Array.from({ length: 30 }, (_, i) => deposit(i)));
    const calls: string[][] = [];
    const attempts: number[] = [];
    const retries: RetryInfo[] = [];
    const handled = new Set<string>();
    const subscription = stream.subscribe({ after: 'start', batchSize: 10, maxWaitMs: 0, retryDelayMs: 20 }, (batch, { attempt }) => {
      calls.push(batch.map((event) => event.id));
      attempts.push(attempt);
      if (calls.length <= 2) throw new Error(`flaky #${calls.length}`);
      for (const event of batch) handled.add(event.id);
    });
    subscription.on('retry', (info) => retries.push(info));
    await waitFor(() => handled.size === positions.length, 10_000, 'all events');
    expect(calls[0]).toHaveLength(10);
    expect(calls[1]).toEqual(calls[0]);
    expect(calls[2]).toEqual(calls[0]);
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 1]);
    expect(retries.map((retry) => [retry.attempt, retry.error.message])).toEqual([
      [1, 'flaky #1'],
      [2, 'flaky #2'],
    ]);
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(10); // equal jitter: [base/2, base]
    expect(retries[1]!.delayMs).toBeGreaterThanOrEqual(20); // doubled
    expect(calls).toHaveLength(2 + 3);
    await subscription.stop();
  });

  it('stops in the failed state after maxAttempts, naming the batch and the cause, and never moves past it', async () => {
    const stream = fixture.newStream();
    const from = formatCheckpoint(await fixture.store.settledCheckpoint());
    const first = await fixture.store.append(Array.from({ length: 5 }, (_, i) => deposit(i)));
    let calls = 0;
    let good = 0;
    const before = stream.subscribe({ after: from, batchSize: 5, maxWaitMs: 0 }, (batch) => void (good += batch.length));
    await waitFor(() => good === 5, 10_000, 'the first batch');
    await before.stop();
    const start = before.checkpoint!;

    const poison = await fixture.store.append([deposit(666), deposit(667)]);
    const errors: SubscriptionEventMap['error'][0][] = [];
    const cause = new Error('cannot handle 666');
    const subscription = stream.subscribe(
      { after: start, batchSize: 10, maxWaitMs: 0, maxAttempts: 3, retryDelayMs: 5, name: 'ledger' },
      () => {
        calls += 1;
        throw cause;
      },
    );
    subscription.on('error', (error) => errors.push(error));
    await waitFor(() => subscription.state === 'failed', 10_000, 'the failed state');

    expect(calls).toBe(3);
    expect(errors).toHaveLength(1);
    const error = errors[0]!;
    expect(error).toBeInstanceOf(SubscriptionHandlerError);
    expect(subscription.error).toBe(error);
    if (!(error instanceof SubscriptionHandlerError)) throw error;
    expect(error.code).toBe('HANDLER_FAILED');
    expect(error.subscription).toBe('ledger');
    expect(error.attempts).toBe(3);
    expect(error.cause).toBe(cause);
    expect(error.outcome).toBe('stopped');
    expect(error.batch).toMatchObject({
      size: 2,
      firstPosition: poison.positions[0],
      lastPosition: poison.positions[1],
      after: start,
    });
    expect(compareCheckpoints(error.batch.checkpoint, start)).toBeGreaterThan(0);
    expect(error.message).toMatch(/"ledger".*failed 3 time\(s\).*2 event\(s\).*cannot handle 666/);
    // The checkpoint did not move: resuming from it delivers the same batch again.
    expect(subscription.checkpoint).toBe(start);
    await subscription.stop(); // harmless on a failed subscription
    expect(subscription.state).toBe('failed');

    const again: bigint[] = [];
    const resumed = stream.subscribe({ after: subscription.checkpoint!, batchSize: 10, maxWaitMs: 0 }, (batch) => {
      for (const event of batch) again.push(event.position);
    });
    await waitFor(() => again.length === 2, 10_000, 'the batch again');
    expect(again).toEqual(poison.positions);
    expect(first.positions.every((position) => !again.includes(position))).toBe(true);
    await resumed.stop();
  });

  it("with onHandlerError: 'skip', reports the batch and moves past it, delivering what follows", async () => {
    const stream = fixture.newStream();
    const start = formatCheckpoint(await fixture.store.settledCheckpoint());
    const poison = await fixture.store.append([deposit(13)]);
    const errors: SubscriptionHandlerError[] = [];
    const handled: bigint[] = [];
    const subscription = stream.subscribe(
      { query: [{ types: ['MoneyDeposited'] }], after: start, batchSize: 1, maxWaitMs: 0, maxAttempts: 2, retryDelayMs: 1, onHandlerError: 'skip' },
      (batch) => {
        if (batch[0]!.data.amount === 13) throw new Error('unlucky');
        handled.push(batch[0]!.position);
      },
    );
    subscription.on('error', (error) => {
      if (error instanceof SubscriptionHandlerError) errors.push(error);
    });
    await waitFor(() => errors.length === 1, 10_000, 'the skip');
    const next = await fixture.store.append([deposit(14)]);
    await waitFor(() => handled.length === 1, 10_000, 'the next event');
    expect(handled).toEqual(next.positions);
    expect(errors[0]!.outcome).toBe('skipped');
    expect(errors[0]!.batch.firstPosition).toBe(poison.positions[0]);
    expect(subscription.state).toBe('running');
    await subscription.stop();
  });

  it('without an error listener, a failure becomes a process warning instead of crashing', async () => {
    const stream = fixture.newStream();
    const start = await fixture.store.settledCheckpoint();
    await fixture.store.append([deposit(1)]);
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    // Node's own listener would print the expected warning into the test output: only ours hears it here.
    const printers = process.listeners('warning');
    process.removeAllListeners('warning');
    process.on('warning', onWarning);
    try {
      const subscription = stream.subscribe({ after: formatCheckpoint(start), maxAttempts: 1, maxWaitMs: 0 }, () => {
        throw new Error('nobody listens');
      });
      await waitFor(() => subscription.state === 'failed', 10_000, 'the failed state');
      await waitFor(() => warnings.length > 0, 5_000, 'the warning');
      expect(warnings[0]).toBeInstanceOf(SubscriptionHandlerError);
    } finally {
      process.off('warning', onWarning);
      for (const printer of printers) process.on('warning', printer);
    }
  });
});
