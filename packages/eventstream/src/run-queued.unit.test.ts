import PQueue from 'p-queue';
import { describe, expect, it } from 'vitest';
import { runQueued } from './run-queued.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runQueued', () => {
  it('waits for a task that already started, even when the signal aborts (p-queue alone would not)', async () => {
    const queue = new PQueue({ concurrency: 1 });
    const abort = new AbortController();
    const release = deferred();
    let finished = false;
    let settled = false;
    const run = runQueued(queue, abort.signal, async () => {
      await release.promise;
      finished = true;
    }).then((ran) => {
      settled = true;
      return ran;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    abort.abort();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    release.resolve();
    expect(await run).toBe(true);
    expect(finished).toBe(true);
  });

  it('drops a task still waiting for a slot when the signal aborts, without waiting for the slot', async () => {
    const queue = new PQueue({ concurrency: 1 });
    const release = deferred();
    const holder = queue.add(() => release.promise);
    const abort = new AbortController();
    let ran = false;
    const run = runQueued(queue, abort.signal, async () => {
      ran = true;
    });
    abort.abort();
    expect(await run).toBe(false);
    release.resolve();
    await holder;
    await queue.onIdle();
    expect(ran).toBe(false);
  });

  it('propagates the error of a task that ran', async () => {
    const queue = new PQueue({ concurrency: 1 });
    await expect(runQueued(queue, new AbortController().signal, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
