import type PQueue from 'p-queue';

/**
 * Runs `work` on the queue. `signal` cancels it only while it waits for a slot (resolves `false`); once it
 * has started, it runs to the end and is awaited. (p-queue's own `signal` option also rejects the `add()`
 * of a task that is already running, and frees its slot: `stop()` would then return while a handler still
 * runs, and its batch would be delivered again.)
 */
export async function runQueued(queue: PQueue, signal: AbortSignal, work: () => Promise<void>): Promise<boolean> {
  if (signal.aborted) return false;
  const waiting = new AbortController();
  let started = false;
  const cancelIfWaiting = () => {
    if (!started) waiting.abort(signal.reason);
  };
  signal.addEventListener('abort', cancelIfWaiting, { once: true });
  try {
    return await queue.add(
      async () => {
        started = true;
        if (signal.aborted) return false;
        await work();
        return true;
      },
      { signal: waiting.signal },
    );
  } catch (error) {
    if (!started && waiting.signal.aborted) return false;
    throw error;
  } finally {
    signal.removeEventListener('abort', cancelIfWaiting);
  }
}
