import { describe, expect, it } from 'vitest';
import { AppendConditionError, TransactionTooOldError, type Head } from '../../src/index.js';
import { accountQuery, deposit, failure, lastPosition, uniqueKey, withdrawal, yieldTurn, type SharedStore } from './fixtures.js';

export function transactionCases(shared: SharedStore): void {
  describe('transaction(work)', () => {
    it("commits the session's appends when work resolves, under one transactionId; others see none of them before", async () => {
      const { store } = shared;
      const a = uniqueKey('trx-commit');
      const query = accountQuery(a);
      const value = await store.transaction(async (session) => {
        await session.append([deposit(a, 1)]);
        await session.append([deposit(a, 2)]);
        expect((await store.read(query)).events).toEqual([]);
        expect((await store.readSettled(query, { after: { transactionId: 0n, position: 0n }, limit: 10 })).events).toEqual([]);
        return 'done';
      });
      expect(value).toBe('done');
      const { events } = await store.read(query);
      expect(events.map((e) => e.data.amount)).toEqual([1, 2]);
      expect(events[0]!.transactionId).toBe(events[1]!.transactionId);
    });

    it('rolls back when work throws: the error passes through, nothing is written, and its positions are never reused', async () => {
      const { store } = shared;
      const a = uniqueKey('trx-rollback');
      const boom = new Error('boom');
      let taken: readonly bigint[] = [];
      const error = await failure(
        store.transaction(async (session) => {
          taken = (await session.append([deposit(a, 1), deposit(a, 2)])).positions;
          throw boom;
        }),
      );
      expect(error).toBe(boom);
      expect((await store.read(accountQuery(a))).events).toEqual([]);
      const after = await store.append([deposit(a, 3)]);
      expect(after.lastPosition).toBeGreaterThan(taken.at(-1)!);
    });

    it('reads inside see the committed events and their own appends; a head taken after them counts them as seen', async () => {
      const { store } = shared;
      const a = uniqueKey('trx-own');
      const query = accountQuery(a);
      await store.append([deposit(a, 1)]);
      await store.transaction(async (session) => {
        await session.append([deposit(a, 2)]);
        const { events, head } = await session.read(query);
        expect(events.map((e) => e.data.amount)).toEqual([1, 2]);
        const streamed: number[] = [];
        for await (const event of session.stream(query)) streamed.push(event.data.amount);
        expect(streamed).toEqual([1, 2]);
        await session.append([withdrawal(a, 3)], { condition: { query, after: head } });
      });
      expect((await store.read(query)).events).toHaveLength(3);
    });

    it("a head read outside while the transaction is open does not cover its events: once committed, they fail that head's condition", async () => {
      const { store } = shared;
      const a = uniqueKey('trx-in-flight');
      const query = accountQuery(a);
      let outsideHead: Head | undefined;
      await store.transaction(async (session) => {
        await session.append([deposit(a, 1)]);
        outsideHead = (await store.read(query)).head;
      });
      await expect(store.append([withdrawal(a, 1)], { condition: { query, after: outsideHead! } })).rejects.toBeInstanceOf(AppendConditionError);
      expect((await store.read(query)).events).toHaveLength(1);
    });

    it('counts its own append after a head as unseen by that head', async () => {
      const { store } = shared;
      const a = uniqueKey('trx-unseen');
      const query = accountQuery(a);
      const error = await failure(
        store.transaction(async (session) => {
          const { head } = await session.read(query);
          await session.append([deposit(a, 1)]);
          await session.append([withdrawal(a, 1)], { condition: { query, after: head } });
        }),
      );
      expect(error).toBeInstanceOf(AppendConditionError);
      expect((await store.read(query)).events).toEqual([]);
    });

    it('after declareNoAppend an append is refused with TRANSACTION_TOO_OLD; the transaction is aborted and writes nothing', async () => {
      const { store } = shared;
      const a = uniqueKey('trx-no-append');
      const before = await lastPosition(store);
      await store.transaction(async (session) => {
        await session.read(accountQuery(a));
        await session.declareNoAppend();
        const refused = await failure(session.append([deposit(a)]));
        expect(refused).toBeInstanceOf(TransactionTooOldError);
        expect(refused).toMatchObject({ code: 'TRANSACTION_TOO_OLD' });
        // As in any PostgreSQL transaction after a failed statement:
        await expect(session.read(accountQuery(a))).rejects.toMatchObject({ code: 'DATABASE_ERROR', sqlstate: '25P02' });
      });
      expect(await lastPosition(store)).toBe(before);
    });

    it('declareNoAppend outside a transaction lasts no longer than the call', async () => {
      const { store } = shared;
      const a = uniqueKey('no-append-root');
      await store.declareNoAppend();
      await store.append([deposit(a)]);
      expect((await store.read(accountQuery(a))).events).toHaveLength(1);
    });

    it('lockCondition makes appends that could match wait for the transaction, so its read → decide → append does not conflict', async () => {
      const { store } = shared;
      const a = uniqueKey('trx-lock');
      const query = accountQuery(a);
      let outside: Promise<unknown> | undefined;
      await store.transaction(async (session) => {
        await session.lockCondition(query);
        const { head } = await session.read(query);
        outside = store.append([deposit(a, 1)]); // would slip in before the append below without the lock
        await yieldTurn();
        await session.append([withdrawal(a, 2)], { condition: { query, after: head } });
      });
      await outside;
      const { events } = await store.read(query);
      expect(events.map((e) => e.type)).toEqual(['MoneyWithdrawn', 'MoneyDeposited']);
    });
  });
}
