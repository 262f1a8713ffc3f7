import { testRandom } from '@tally/test-harness';
import { describe, expect, it } from 'vitest';
import { balanceLines, foldBalances, plain, readBalances } from './fixtures/bank.js';
import { appendContinuously, eventually, setupDatabase, sleep, spawnWorker } from './helpers.js';

const { database, store, db } = await setupDatabase();

describe('a worker killed with SIGKILL mid-batch', () => {
  it('resumes from the last committed checkpoint: after 10 kills the read table equals a fold of all events', async () => {
    const appender = appendContinuously(store, 30, 4);
    const kills = 10;
    const random = testRandom('kill-recovery: when to kill');
    let worker = spawnWorker(database.url, 'killed-0', { BATCH_SIZE: '20' });
    for (let i = 1; i <= kills; i++) {
      await worker.ready;
      await sleep(150 + random() * 600);
      worker.child.kill('SIGKILL');
      await worker.exited;
      worker = spawnWorker(database.url, `killed-${i}`, { BATCH_SIZE: '20' });
    }
    await worker.ready;
    const appended = await appender.stop();
    expect(appended).toBeGreaterThan(100);

    const { events } = await store.read();
    const expected = balanceLines(foldBalances(plain(events)));
    await eventually(async () => balanceLines(await readBalances(db, 'balances')).join() === expected.join(), 60_000);
    expect(balanceLines(await readBalances(db, 'balances'))).toEqual(expected);

    // A SIGTERM lets the batch in flight commit and exits 0.
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
