import { describe, expect, it } from 'vitest';
import { StoreClosedError, type EventStore } from '../../src/index.js';
import type { TestEvent } from '../helpers.js';
import { accountQuery, deposit, failure, uniqueKey, useStore, type MakeStore, type SharedStore } from './fixtures.js';

const start = { transactionId: 0n, position: 0n };

const closedCalls: [string, (store: EventStore<TestEvent>) => Promise<unknown>][] = [
  ['append', (s) => s.append([deposit('closed')])],
  ['read', (s) => s.read()],
  ['stream', async (s) => {
    for await (const _ of s.stream()) break;
  }],
  ['readSettled', (s) => s.readSettled(undefined, { after: start, limit: 1 })],
  ['settledCheckpoint', (s) => s.settledCheckpoint()],
  ['lag', (s) => s.lag(undefined, { after: start })],
  ['horizon', (s) => s.horizon()],
  ['seal', (s) => s.seal()],
  ['verify', (s) => s.verify()],
  ['migrate', (s) => s.migrate()],
  ['declareNoAppend', (s) => s.declareNoAppend()],
  ['lockCondition', (s) => s.lockCondition(accountQuery('closed'))],
  ['transaction', (s) => s.transaction(async () => 1)],
];

export function lifecycleCases(shared: SharedStore, makeStore: MakeStore): void {
  describe('another store, and close', () => {
    const other = useStore(makeStore);

    it('refuses the head of another store with INVALID_HEAD, and writes nothing', async () => {
      const a = uniqueKey('other-head');
      const query = accountQuery(a);
      const { head } = await other.store.read(query);
      await expect(shared.store.append([deposit(a)], { condition: { query, after: head } })).rejects.toMatchObject({ code: 'INVALID_HEAD' });
      expect((await shared.store.read(query)).events).toEqual([]);
    });

    it('after close() every operation fails with StoreClosedError, with() at once; close() is safe to call twice', async () => {
      const { store } = other;
      await store.append([deposit(uniqueKey('before-close'))]);
      await store.close();
      await store.close();
      for (const [name, call] of closedCalls) {
        const error = await failure(call(store));
        expect(error, name).toBeInstanceOf(StoreClosedError);
        expect(error, name).toMatchObject({ code: 'STORE_CLOSED' });
      }
      expect(() => store.with({} as never)).toThrow(StoreClosedError);
    });
  });
}
