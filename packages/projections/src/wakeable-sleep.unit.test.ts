import { describe, expect, it } from 'vitest';
import { WakeableSleep } from './wakeable-sleep.js';

const timed = async (work: () => Promise<void>) => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

describe('WakeableSleep', () => {
  it('ends a wait at wake(), and keeps a wake-up that came between waits for the next one', async () => {
    const sleeper = new WakeableSleep();
    const waiting = sleeper.sleep(5_000);
    sleeper.wake();
    expect(await timed(() => waiting)).toBeLessThan(1_000);
    sleeper.wake();
    expect(await timed(() => sleeper.sleep(5_000))).toBeLessThan(1_000);
  });

  it('does not lose the wake-up that follows a wait which ran its full length', async () => {
    // Naive version caught: the ended wait's wake-up callback stayed in place, took the next wake() for its own and
    // cleared it, so the next wait (a projection's poll after new events were announced) ran its full length.
    const sleeper = new WakeableSleep();
    await sleeper.sleep(10);
    sleeper.wake();
    expect(await timed(() => sleeper.sleep(5_000))).toBeLessThan(1_000);
  });

  it('lets a wait that is not wakeable run out, keeping the wake-up for the next wakeable one; stop() ends every wait', async () => {
    const sleeper = new WakeableSleep();
    const fixed = sleeper.sleep(50, false);
    sleeper.wake();
    expect(await timed(() => fixed)).toBeGreaterThanOrEqual(40);
    expect(await timed(() => sleeper.sleep(5_000))).toBeLessThan(1_000);
    const long = sleeper.sleep(5_000, false);
    sleeper.stop();
    expect(await timed(() => long)).toBeLessThan(1_000);
    expect(await timed(() => sleeper.sleep(5_000))).toBeLessThan(100);
    expect(sleeper.stopping).toBe(true);
  });
});
