import { createEventStream } from '@tally/eventstream';
import { describe, expect, it } from 'vitest';
import { createProjector } from '../src/index.js';
import { balanceLines, balanceProjection, foldBalances, plain, readBalances, type BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

const { database, store, db } = await setupDatabase();

describe('createProjector({ store, stream, projections })', () => {
  it('subscribes the stream to its projections’ events as wake-up hints, and unsubscribes on stop', async () => {
    const stream = createEventStream({ store, connectionString: database.url });
    const worker = createProjector<BankEvent>({
      store,
      stream,
      projections: [balanceProjection('hinted', 't_hinted')],
      connectionString: database.url,
      claimIntervalMs: 200,
    });
    try {
      await worker.start();
      expect(stream.subscriptions).toHaveLength(1);
      expect(stream.subscriptions[0]!.name).toBe(`tally-projector:${worker.workerId}`);
      await store.append([{ type: 'MoneyDeposited', data: { accountId: 'h1', amount: 5 } }]);
      await eventually(async () => {
        const { events } = await store.read();
        return balanceLines(await readBalances(db, 't_hinted')).join() === balanceLines(foldBalances(plain(events))).join();
      }, 10_000);
      await worker.stop();
      expect(stream.subscriptions).toHaveLength(0);
    } finally {
      await worker.stop();
      await stream.close();
    }
  });
});
