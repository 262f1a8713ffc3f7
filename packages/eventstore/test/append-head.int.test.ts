import type { Kysely } from 'kysely';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AppendConditionError, type EventStore, type Head, type Query } from '../src/index.js';
import { closeAll, setupStore, type TestEvent } from './helpers.js';

const deposit = (accountId: string, amount = 10) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const accountQuery = (id: string) => [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: [`account:${id}`] }] as const satisfies Query<TestEvent>;

let ctx: Awaited<ReturnType<typeof setupStore>>;
let db: Kysely<object>;
beforeAll(async () => {
  ctx = await setupStore();
  db = ctx.db;
});

describe('the head returned by a conditional append', () => {
  it('carries a decision forward without a new read: 20 appends in a row, each guarded by the previous head', async () => {
    // Nothing else commits in between, so most of these snapshots are taken while no transaction completed
    // after the append got its id: the case where a plain snapshot would count the append's own events as unseen.
    const query = accountQuery('chain');
    let { head } = await ctx.store.read(query);
    for (let i = 1; i <= 20; i++) {
      const result = await ctx.store.append([deposit('chain', i)], { condition: { query, after: head } });
      expect(result.head).toBeDefined();
      head = result.head!;
    }
    const { events } = await ctx.store.read(query);
    expect(events.map((e) => e.data.amount)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('fails the next append when a matching event committed after it', async () => {
    const query = accountQuery('other-writer');
    const { head } = await ctx.store.read(query);
    const first = await ctx.store.append([deposit('other-writer', 1)], { condition: { query, after: head } });
    await ctx.store.append([deposit('other-writer', 2)]);
    await expect(ctx.store.append([deposit('other-writer', 3)], { condition: { query, after: first.head! } })).rejects.toBeInstanceOf(
      AppendConditionError,
    );
    // An event outside the condition does not fail it.
    const second = await ctx.store.read(query);
    const next = await ctx.store.append([deposit('other-writer', 3)], { condition: { query, after: second.head } });
    await ctx.store.append([deposit('unrelated', 1)]);
    await ctx.store.append([deposit('other-writer', 4)], { condition: { query, after: next.head! } });
  });

  it('fails the next append when a transaction in flight at that head commits a matching event later', async () => {
    const query = accountQuery('in-flight');
    const trx = await db.startTransaction().execute();
    onTestFinished(async () => {
      if (!trx.isCommitted && !trx.isRolledBack) await trx.rollback().execute();
    });
    // The transaction gets its id now (an unrelated write), before the append below takes its head.
    await ctx.store.with(trx).append([deposit('elsewhere', 1)]);
    const { head } = await ctx.store.read(query);
    const appended = await ctx.store.append([deposit('in-flight', 1)], { condition: { query, after: head } });
    await ctx.store.with(trx).append([deposit('in-flight', 2)]);
    await trx.commit().execute();
    await expect(ctx.store.append([deposit('in-flight', 3)], { condition: { query, after: appended.head! } })).rejects.toBeInstanceOf(
      AppendConditionError,
    );
  });

  it('comes from a caller transaction too, and holds after that transaction commits', async () => {
    const query = accountQuery('in-trx');
    const trx = await db.startTransaction().execute();
    const session = ctx.store.with(trx);
    const { head } = await session.read(query);
    const appended = await session.append([deposit('in-trx', 1)], { condition: { query, after: head } });
    await trx.commit().execute();
    const next = await ctx.store.append([deposit('in-trx', 2)], { condition: { query, after: appended.head! } });
    expect(next.duplicate).toBe(false);
  });

  it('is absent after an unconditional append and after a duplicate', async () => {
    const query = accountQuery('no-head');
    const plain = await ctx.store.append([deposit('no-head', 1)]);
    expect(plain.head).toBeUndefined();
    const id = '0193e5a4-7b1c-7cc0-8d3e-7f1a2b3c4d5e';
    const { head } = await ctx.store.read(query);
    const first = await ctx.store.append([{ ...deposit('no-head', 2), id }], { condition: { query, after: head } });
    expect(first.head).toBeDefined();
    const again = await ctx.store.append([{ ...deposit('no-head', 2), id }], { condition: { query, after: head } });
    expect(again).toMatchObject({ duplicate: true, positions: first.positions });
    expect(again.head).toBeUndefined();
  });

  it('8 clients on one key, each deciding from its carried head: no decision is ever made on a stale count', async () => {
    // Each client numbers its deposit with what it believes is the account's event count + 1: the count it
    // read, plus its own appends since. A head that covered more than the client knew (or less, so a stale
    // append got through) would store two deposits with one number, or skip one.
    const clients: EventStore<TestEvent>[] = ctx.clients(8);
    onTestFinished(() => closeAll(clients));
    const query = accountQuery('hot');
    const target = 300;
    let stored = 0;
    let carriedWins = 0;
    let conflicts = 0;
    await Promise.all(
      clients.map(async (client) => {
        let known = 0;
        let head: Head | undefined;
        let carried = false;
        while (stored < target) {
          if (head === undefined) {
            const read = await client.read(query);
            known = read.events.length;
            head = read.head;
            carried = false;
          }
          try {
            const result = await client.append([deposit('hot', known + 1)], { condition: { query, after: head } });
            stored++;
            if (carried) carriedWins++;
            known++;
            head = result.head;
            carried = true;
          } catch (error) {
            if (!(error instanceof AppendConditionError)) throw error;
            conflicts++;
            head = undefined;
          }
        }
      }),
    );
    const { events } = await ctx.store.read(query);
    expect(events.map((e) => e.data.amount)).toEqual(Array.from({ length: events.length }, (_, i) => i + 1));
    expect(events.length).toBe(stored);
    // The race really happened (clients lost to each other and decided again), and carried heads won too.
    expect(conflicts).toBeGreaterThan(0);
    expect(carriedWins).toBeGreaterThan(0);
  });
});
