import { testRandom } from '@tally/test-harness';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint, type Checkpoint, type BatchHandler } from '../src/index.js';
import type { StoredEvent } from '@tally/eventstore';
import { deposit, expectExactlyOnce, setup, sleep, storedIds, waitFor, type TestEvent } from './helpers.js';

const WRITERS = 8;
const TOTAL = 10_000;

describe('exactly once under out-of-order commits', () => {
  it('delivers each of 10k events from 8 racing writers once, in (transactionId, position) order, across random restarts', async () => {
    const { store, db, newStream, client } = await setup();
    // Commits, handler pauses and restarts interleave with real time: a seed replays the choices, not the timing.
    const random = testRandom('exactly-once');
    const naiveClient = await client();
    const stream = newStream({ pollIntervalMs: 100 });

    // Writers: each transaction appends a few events, then sleeps a random few ms before committing, so
    // transactions commit in another order than the one their positions were allocated in.
    let remaining = TOTAL;
    let writersDone = false;
    const writer = async () => {
      while (remaining > 0) {
        const size = Math.min(remaining, 1 + Math.floor(random() * 12));
        remaining -= size;
        await db.transaction().execute(async (trx) => {
          await store.with(trx).append(Array.from({ length: size }, (_, i) => deposit(i + 1)));
          await sleep(random() * 4);
        });
      }
    };
    const writers = Promise.all(Array.from({ length: WRITERS }, writer)).finally(() => (writersDone = true));

    // Control: the naive reader (`position > last seen`) running alongside must lose events, or this test
    // would not be exercising out-of-order commits at all.
    const naiveSeen = new Set<string>();
    const naive = (async () => {
      let last = '0';
      for (let done = false; !done; ) {
        done = writersDone;
        const { rows } = await naiveClient.query<{ position: string }>(
          'SELECT position::text FROM tally.events WHERE position > $1 ORDER BY position LIMIT 2000',
          [last],
        );
        for (const row of rows) naiveSeen.add(row.position);
        if (rows.length > 0) last = rows[rows.length - 1]!.position;
        if (rows.length === 2000) done = false;
      }
    })();

    const seen = new Map<string, number>();
    let previous: { transactionId: bigint; position: bigint } | undefined;
    let outOfOrder = 0;
    let handlerCheckpoint: Checkpoint | undefined; // what a projection would store with its batch
    const handler: BatchHandler<StoredEvent<TestEvent>> = async (batch, { checkpoint }) => {
      for (const event of batch) {
        seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
        if (
          previous &&
          (event.transactionId < previous.transactionId ||
            (event.transactionId === previous.transactionId && event.position <= previous.position))
        ) {
          outOfOrder += 1;
        }
        previous = { transactionId: event.transactionId, position: event.position };
      }
      if (random() < 0.3) await sleep(random() * 5);
      handlerCheckpoint = checkpoint;
    };
    const options = { batchSize: 50, maxWaitMs: 5 } as const;
    let subscription = stream.subscribe({ ...options, after: 'start' }, handler);

    // Restart at random points: stop (waits for the batch in flight), store the checkpoint as a string,
    // parse it back, resume from it. Half of the time from the subscription, half from the handler's copy.
    let restarts = 0;
    const restartUntil = async (stopWhen: () => boolean) => {
      while (!stopWhen()) {
        await sleep(20 + random() * 120);
        await subscription.stop();
        expect(subscription.state).toBe('stopped');
        const fromHandler = random() < 0.5 && handlerCheckpoint !== undefined;
        const stored: string = String(fromHandler ? handlerCheckpoint : subscription.checkpoint);
        subscription = stream.subscribe({ ...options, after: parseCheckpoint(stored) }, handler);
        restarts += 1;
      }
    };
    await restartUntil(() => writersDone);
    await writers;
    // At least 5 restarts in all, even when the writers finished before the random pauses added up to them.
    await restartUntil(() => restarts >= 12 || (restarts >= 5 && seen.size >= TOTAL));
    await naive;

    await waitFor(() => seen.size >= TOTAL, 30_000, `all ${TOTAL} events (have ${seen.size})`);
    await sleep(500); // anything delivered twice would show up now
    const ids = await storedIds(naiveClient);
    expect(ids).toHaveLength(TOTAL);
    expectExactlyOnce(ids, seen);
    expect(outOfOrder).toBe(0);
    expect(restarts).toBeGreaterThanOrEqual(5);
    // The naive reader lost events that committed after a higher position had been seen.
    expect(naiveSeen.size).toBeLessThan(TOTAL);
    console.log(`[exactly-once] restarts=${restarts} naive reader missed ${TOTAL - naiveSeen.size} of ${TOTAL}`);
  });
});
