import { setTimeout as sleep } from 'node:timers/promises';
import type { SettledCheckpoint } from '@tally/eventstore';

/**
 * Where a subscription `after: 'end'` starts: the settled checkpoint now, asked again after each failure once
 * the delay `failed` returns has passed. `undefined` when stopped (`signal`), or when `failed` returns no delay.
 */
export async function findEnd(
  settledCheckpoint: () => Promise<SettledCheckpoint>,
  signal: AbortSignal,
  failed: (error: unknown) => number | undefined,
): Promise<SettledCheckpoint | undefined> {
  for (;;) {
    try {
      const end = await settledCheckpoint();
      return signal.aborted ? undefined : end;
    } catch (error) {
      if (signal.aborted) return undefined;
      const delay = failed(error);
      if (delay === undefined) return undefined;
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        return undefined; // stopped
      }
    }
  }
}
