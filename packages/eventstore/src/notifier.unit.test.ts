import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CoalescingNotifier } from './notifier.js';
import type { StatementRunner } from './sql/runner.js';

/** A runner that records each NOTIFY it is asked to send, and when. */
function recorder(delayMs = 1) {
  const sent: { position: string; at: number }[] = [];
  const run = (async (_text: string, values: readonly unknown[]) => {
    sent.push({ position: String(values[1]), at: performance.now() }); // when it was sent; the round trip follows
    await sleep(delayMs);
    return [];
  }) as StatementRunner;
  return { sent, run };
}

describe('CoalescingNotifier', () => {
  it('announces the first append at once and a burst with one notification per interval carrying the highest position', async () => {
    const { sent, run } = recorder();
    const notifier = new CoalescingNotifier(run, 'ch', 20);
    notifier.notify(1n);
    await sleep(5);
    expect(sent.map((s) => s.position)).toEqual(['1']); // not held back by the interval
    const burstStart = performance.now();
    for (let p = 2n; p <= 200n; p++) {
      notifier.notify(p);
      if (p % 20n === 0n) await sleep(1);
    }
    const burstMs = performance.now() - burstStart;
    await notifier.drain();
    expect(sent.at(-1)!.position).toBe('200');
    // 199 appends: one notification per started interval of the burst (plus the trailing one), not 199.
    expect(sent.length).toBeLessThanOrEqual(2 + Math.ceil(burstMs / 20));
    // At least the interval between two sends (less a few microseconds between the notifier's clock read and ours).
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.at - sent[i - 1]!.at).toBeGreaterThanOrEqual(19.9);
  });

  it('announces an append that commits after a notification went out, even with a lower position (out-of-order commits)', async () => {
    // Position 150 committed after 200 was announced: listeners that read at 200 may not have seen it, so it
    // needs a wake-up of its own; the payload is only a hint.
    const { sent, run } = recorder();
    const notifier = new CoalescingNotifier(run, 'ch', 0);
    notifier.notify(200n);
    await notifier.drain();
    notifier.notify(150n);
    await notifier.drain();
    expect(sent.map((s) => s.position)).toEqual(['200', '150']);
  });

  it('with interval 0 sends one notification per flush, coalescing only what arrives while one is in flight', async () => {
    const { sent, run } = recorder(5);
    const notifier = new CoalescingNotifier(run, 'ch', 0);
    notifier.notify(1n);
    notifier.notify(2n);
    notifier.notify(3n);
    await notifier.drain();
    expect(sent.map((s) => s.position)).toEqual(['1', '3']); // 1 went out at once; 2 and 3 waited for it
    notifier.notify(4n);
    await sleep(1);
    notifier.notify(5n);
    await notifier.drain();
    expect(sent.map((s) => s.position)).toEqual(['1', '3', '4', '5']);
  });
});
