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

/** Lets every pending promise continuation run (a macrotask comes after all microtasks). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A clock that moves only when told to; its timers fire `early` ms before they are due, as real ones may. */
function manualClock({ early = 0 } = {}) {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => sleepers.push({ at: now + ms - early, wake })),
    async advance(ms: number) {
      now += ms;
      for (const sleeper of sleepers.filter((s) => s.at <= now)) {
        sleepers.splice(sleepers.indexOf(sleeper), 1);
        sleeper.wake();
      }
      await settle();
    },
  };
}

describe('CoalescingNotifier', () => {
  it('announces the first append at once and a burst with one notification per interval carrying the highest position', async () => {
    const clock = manualClock();
    const sent: { position: string; at: number }[] = [];
    const run = (async (_text: string, values: readonly unknown[]) => {
      sent.push({ position: String(values[1]), at: clock.now() });
      return [];
    }) as StatementRunner;
    const notifier = new CoalescingNotifier(run, 'ch', 20, clock);
    notifier.notify(1n);
    await settle();
    expect(sent).toEqual([{ position: '1', at: 0 }]); // not held back by the interval
    // 199 appends over 50 ms, 20 of them every 5 ms.
    for (let p = 2n; p <= 200n; p++) {
      notifier.notify(p);
      if (p % 20n === 0n) await clock.advance(5);
    }
    await clock.advance(10);
    await notifier.drain();
    // One notification per interval carrying the highest position appended by then, not 199.
    expect(sent).toEqual([
      { position: '1', at: 0 },
      { position: '80', at: 20 },
      { position: '160', at: 40 },
      { position: '200', at: 60 },
    ]);
  });

  it('waits again when its timer fires early, so two notifications are never less than the interval apart', async () => {
    const clock = manualClock({ early: 1 });
    const sent: number[] = [];
    const run = (async () => {
      sent.push(clock.now());
      return [];
    }) as StatementRunner;
    const notifier = new CoalescingNotifier(run, 'ch', 20, clock);
    notifier.notify(1n);
    await settle();
    notifier.notify(2n);
    await clock.advance(19); // the timer for 20 ms fires at 19
    expect(sent).toEqual([0]);
    await clock.advance(1);
    await notifier.drain();
    expect(sent).toEqual([0, 20]);
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
