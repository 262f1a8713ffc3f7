import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createEventStore, type EventStore, type Query } from '../src/index.js';
import { setupStore, type TestEvent } from './helpers.js';

/** The pieces a command handler is built from: the store's own transactions, condition locks, and reads that catch up a snapshot. */
let ctx: Awaited<ReturnType<typeof setupStore>>;
let store: EventStore<TestEvent>;
beforeAll(async () => {
  ctx = await setupStore();
  store = ctx.store;
});

const deposit = (accountId: string, amount = 1) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const account = (id: string) => [{ types: ['MoneyDeposited'], tags: [`account:${id}`] }] satisfies Query<TestEvent>;

describe('store.transaction()', () => {
  it('commits what the work appended when it resolves, and nothing when it throws', async () => {
    await store.transaction(async (session) => {
      await session.append([deposit('trx-ok')]);
    });
    await expect(
      store.transaction(async (session) => {
        await session.append([deposit('trx-fail')]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect((await store.read(account('trx-ok'))).events).toHaveLength(1);
    expect((await store.read(account('trx-fail'))).events).toHaveLength(0);
  });
});

describe('session.lockCondition()', () => {
  it('makes appends that could match the condition wait until the transaction ends', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = store.transaction(async (session) => {
      await session.lockCondition(account('locked'));
      locked();
      await held;
      await session.append([deposit('locked', 1)]);
    });
    await isLocked;
    let outsiderDone = false;
    const outsider = store.append([deposit('locked', 2)]).then((r) => {
      outsiderDone = true;
      return r;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(outsiderDone).toBe(false);
    release();
    await holder;
    await outsider;
    const { events } = await store.read(account('locked'));
    expect(events.map((e) => e.data.amount)).toEqual([1, 2]); // the holder's decision went first
  });
});

describe('a transaction on a full pool', () => {
  it('reads and appends on its own connection only, even the first time the head secret is needed', async () => {
    // A fresh store of two connections: one for this transaction, one for another that waits for its locks.
    const small = createEventStore<TestEvent>({ connectionString: ctx.database.url, maxConnections: 2 });
    try {
      let waiter: Promise<void> | undefined;
      await small.transaction(async (session) => {
        await session.lockCondition(account('full-pool'));
        waiter = small.transaction(async (other) => other.lockCondition(account('full-pool')));
        for (;;) {
          const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`.execute(ctx.db);
          if (rows[0]!.n > 0) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const { head } = await session.read(account('full-pool')); // needs the secret: must not ask the pool for a third connection
        await session.append([deposit('full-pool')], { condition: { query: account('full-pool'), after: head } });
      });
      await waiter;
      expect((await small.read(account('full-pool'))).events).toHaveLength(1);
    } finally {
      await small.close();
    }
  });
});

describe("read({ after, alsoUnseenBy })", () => {
  it('returns the events at or below after that the head did not see (committed out of position order)', async () => {
    const slow = await ctx.db.startTransaction().execute();
    await store.with(slow).append([deposit('late', 1)]); // the lower position, still in flight
    await store.append([deposit('late', 2)]);
    const { events, head } = await store.read(account('late'));
    expect(events.map((e) => e.data.amount)).toEqual([2]);
    await slow.commit().execute();
    const after = events[0]!.position;
    expect((await store.read(account('late'), { after })).events).toEqual([]);
    const caughtUp = await store.read(account('late'), { after, alsoUnseenBy: head });
    expect(caughtUp.events.map((e) => e.data.amount)).toEqual([1]);
    expect(caughtUp.events[0]!.position).toBeLessThan(after);
  });
});
