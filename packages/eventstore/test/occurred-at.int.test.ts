import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventStore, Query } from '../src/index.js';
import { setupStore, type TestEvent } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
let db: Kysely<object>;
beforeAll(async () => {
  ctx = await setupStore({ dbConnections: 2 });
  db = ctx.db;
});

describe('occurredAt', () => {
  it('is taken after the append waited for the locks: an append that queued behind another is recorded later', async () => {
    // With now() (transaction start), the second append would be stamped while it was still waiting, i.e.
    // before the first one it depends on: "as of" queries would see the effect before its cause.
    const query: Query<TestEvent> = [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: ['account:t1'] }];
    const first = await ctx.store.read(query);
    const trx = await db.startTransaction().execute();
    let waiting: EventStore<TestEvent> | undefined;
    let beforeCommit: Date | undefined;
    try {
      await ctx.store.with(trx).append([{ type: 'MoneyDeposited', data: { accountId: 't1', amount: 10 }, tags: ['account:t1'] }], {
        condition: { query, after: first.head },
      });
      waiting = ctx.newStore({ maxConnections: 1 });
      // Unconditional, so that it is not refused: it takes a shared lock on the tag, and waits for the holder.
      const second = waiting.append([{ type: 'MoneyWithdrawn', data: { accountId: 't1', amount: 5 }, tags: ['account:t1'] }]);
      // Commit only once it is really queued on the lock, and note the server's clock just before.
      for (let tries = 0; ; tries++) {
        const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
        if (rows[0]!.n > 0) break;
        if (tries > 1_000) throw new Error('the second append never waited for the lock');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      beforeCommit = (await sql<{ at: Date }>`SELECT clock_timestamp() AS at`.execute(trx)).rows[0]!.at;
      await trx.commit().execute();
      await second;
    } finally {
      if (!trx.isCommitted) await trx.rollback().execute();
      await waiting?.close();
    }
    const [deposit, withdrawal] = (await ctx.store.read(query)).events;
    expect(deposit?.type).toBe('MoneyDeposited');
    expect(withdrawal?.type).toBe('MoneyWithdrawn');
    // Stamped after the lock was granted, i.e. after the holder committed; now() would be from before.
    expect(withdrawal!.occurredAt.getTime()).toBeGreaterThanOrEqual(beforeCommit!.getTime());
    expect(withdrawal!.occurredAt.getTime()).toBeGreaterThanOrEqual(deposit!.occurredAt.getTime());
  });
});
