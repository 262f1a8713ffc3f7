import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { AppendConditionError, createEventStore, type EventStore, type Query } from '../src/index.js';
import { closeAll, setupStore, type TestEvent } from './helpers.js';

const deposit = (accountId: string, amount = 10) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const withdrawal = (accountId: string, amount = 10) =>
  ({ type: 'MoneyWithdrawn', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const accountQuery = (...ids: string[]): Query<TestEvent> =>
  ids.map((id) => ({ types: ['MoneyDeposited', 'MoneyWithdrawn', 'MoneyTransferred'], tags: [`account:${id}`] }));

let ctx: Awaited<ReturnType<typeof setupStore>>;
let db: Kysely<object>;
beforeAll(async () => {
  ctx = await setupStore({ dbConnections: 12 });
  db = ctx.db;
});

/** 300 appends on other accounts, each its own transaction: ages a head past the recent-head window (256 ids). */
const unrelatedTransactions = async (): Promise<void> => {
  await Promise.all(Array.from({ length: 300 }, (_, i) => ctx.store.append([deposit(`filler-${i % 7}`, 1)])));
};

/** Resolves when `promise` settles, or with 'pending' if it is still blocked after `ms`. */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)));
  const result = await Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), timeout]);
  clearTimeout(timer);
  return result;
}

describe('race-free conditional append', () => {
  it('50 clients on separate connections, same condition: exactly one wins, 100 rounds', async () => {
    const clients: EventStore<TestEvent>[] = ctx.clients(50);
    onTestFinished(() => closeAll(clients));
    // Warm every pool so each client really holds its own connection during the race.
    await Promise.all(clients.map((c) => c.read([{ tags: ['warm-up'] }])));
    const { rows: conns } = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()`.execute(db);
    expect(Number(conns[0]!.n)).toBeGreaterThanOrEqual(50);

    for (let round = 0; round < 100; round++) {
      const account = `race-${round}`;
      const query = accountQuery(account);
      const heads = await Promise.all(clients.map((c) => c.read(query)));
      const outcomes = await Promise.allSettled(
        clients.map((c, i) => c.append([deposit(account, i + 1)], { condition: { query, after: heads[i]!.head } })),
      );
      const wins = outcomes.filter((o) => o.status === 'fulfilled');
      const losses = outcomes.filter((o) => o.status === 'rejected');
      expect(wins).toHaveLength(1);
      for (const loss of losses) expect((loss as PromiseRejectedResult).reason).toBeInstanceOf(AppendConditionError);
      const stored = await ctx.store.read(query);
      expect(stored.events).toHaveLength(1);
    }
  });

  it('a condition without a read (uniqueness): 50 concurrent openers of one name, one account', async () => {
    const clients = ctx.clients(50);
    onTestFinished(() => closeAll(clients));
    for (let round = 0; round < 20; round++) {
      const customerName = `Ada ${round}`;
      const query: Query<TestEvent> = [{ types: ['AccountOpened'], data: { customerName } }];
      const outcomes = await Promise.allSettled(
        clients.map((c, i) =>
          c.append([{ type: 'AccountOpened', data: { accountId: `${round}-${i}`, customerName, currency: 'EUR' } }], {
            condition: { query },
          }),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect((await ctx.store.read(query)).events).toHaveLength(1);
    }
  });

  it('appends on disjoint keys do not wait for each other, while an overlapping one does', async () => {
    const query = accountQuery('held');
    const { head } = await ctx.store.read(query);
    const trx = await db.startTransaction().execute();
    try {
      // A conditional append on account "held", inside a transaction we keep open: it holds its locks.
      await ctx.store.with(trx).append([deposit('held')], { condition: { query, after: head } });

      const others = ctx.clients(8);
      onTestFinished(() => closeAll(others));
      const disjoint = Promise.all(
        others.map(async (client, i) => {
          const q = accountQuery(`free-${i}`);
          const read = await client.read(q);
          return client.append([deposit(`free-${i}`)], { condition: { query: q, after: read.head } });
        }),
      );
      // Eight appends on other keys commit while the first transaction is still open: no global lock.
      expect(await settledWithin(disjoint, 10_000)).toBe('settled');
      expect((await disjoint).every((r) => r.positions.length === 1)).toBe(true);

      // An append on the same key (read before the held one commits) must wait for it...
      const contender = ctx.newStore({ maxConnections: 1 });
      const stale = await contender.read(query);
      const blocked = contender.append([withdrawal('held')], { condition: { query, after: stale.head } });
      const outcome = blocked.then(() => 'appended', (e: unknown) => e);
      expect(await settledWithin(blocked, 500)).toBe('pending');
      const { rows } = await sql<{ n: string }>`
        SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`.execute(db);
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(1);
      await trx.commit().execute();
      // ...and then see the held transaction's event, which its read did not: refused.
      expect(await outcome).toBeInstanceOf(AppendConditionError);
    } finally {
      if (!trx.isCommitted) await trx.rollback().execute();
    }
  });
});

describe('bulk appends', () => {
  it('a batch past maxFineLocks locks `bulk` exclusively: it waits for a condition holder, and writes after it', async () => {
    // The plain INSERT path takes this exclusive lock in its one-time filter; a shared one would not wait.
    const bulkStore = createEventStore<TestEvent>({ connectionString: ctx.database.url, maxConnections: 1, maxFineLocks: 4 });
    onTestFinished(() => bulkStore.close());
    const query = accountQuery('bulk-held');
    const { head } = await ctx.store.read(query);
    const trx = await db.startTransaction().execute();
    try {
      await ctx.store.with(trx).append([deposit('bulk-held')], { condition: { query, after: head } }); // holds `bulk` shared
      const batch = Array.from({ length: 10 }, (_, i) => deposit(`bulk-${i}`)); // 10 tags + type + any > 4 keys
      const bulk = bulkStore.append(batch);
      expect(await settledWithin(bulk, 500)).toBe('pending');
      await trx.commit().execute();
      const written = await bulk;
      const held = await ctx.store.read(query);
      expect(written.positions).toHaveLength(10);
      expect(written.positions[0]!).toBeGreaterThan(held.events[0]!.position);
    } finally {
      if (!trx.isCommitted) await trx.rollback().execute();
    }
  });
});

describe('exact under out-of-order commits', () => {
  it('refuses an append whose read missed an earlier position that committed later (commit before the append)', async () => {
    const query = accountQuery('ooo-a', 'ooo-b');
    // T1 takes a lower position and stays open.
    const t1 = await db.startTransaction().execute();
    const low = await ctx.store.with(t1).append([withdrawal('ooo-a', 70)]);
    // T2 takes a higher position and commits first.
    const high = await ctx.store.append([deposit('ooo-b', 5)]);
    expect(high.lastPosition).toBeGreaterThan(low.lastPosition);

    // A transfer handler reads A and B now: it sees the higher position, not the lower one.
    const seen = await ctx.store.read(query);
    expect(seen.events.map((e) => e.position)).toEqual([high.lastPosition]);
    await t1.commit().execute();

    // A position check ("nothing after the highest position I saw") would pass here; ours must not.
    await expect(
      ctx.store.append([{ type: 'MoneyTransferred', data: { from: 'ooo-a', to: 'ooo-b', amount: 50 }, tags: ['account:ooo-a', 'account:ooo-b'] }], {
        condition: { query, after: seen.head },
      }),
    ).rejects.toBeInstanceOf(AppendConditionError);
  });

  it('refuses it too when the append starts while the lower position is still in flight', async () => {
    const query = accountQuery('ooo-c', 'ooo-d');
    const t1 = await db.startTransaction().execute();
    await ctx.store.with(t1).append([withdrawal('ooo-c', 70)]);
    await ctx.store.append([deposit('ooo-d', 5)]);
    const seen = await ctx.store.read(query);
    expect(seen.events).toHaveLength(1);

    const transfer = ctx.store.append(
      [{ type: 'MoneyTransferred', data: { from: 'ooo-c', to: 'ooo-d', amount: 50 }, tags: ['account:ooo-c', 'account:ooo-d'] }],
      { condition: { query, after: seen.head } },
    );
    const outcome = transfer.then(() => 'appended', (e: unknown) => e);
    expect(await settledWithin(transfer, 300)).toBe('pending'); // waits for T1's lock on account:ooo-c
    await t1.commit().execute();
    expect(await outcome).toBeInstanceOf(AppendConditionError);
  });

  it('accepts the append when everything matching was visible to the read', async () => {
    const query = accountQuery('ooo-e');
    await ctx.store.append([deposit('ooo-e', 100)]);
    await ctx.store.append([deposit('unrelated', 1)]);
    const seen = await ctx.store.read(query);
    // Events on other keys appended after the read do not fail it.
    await ctx.store.append([deposit('unrelated', 2)]);
    const result = await ctx.store.append([withdrawal('ooo-e', 60)], { condition: { query, after: seen.head } });
    expect(result.duplicate).toBe(false);
  });

  it('checks an old head just as exactly: hundreds of transactions between the read and the append', async () => {
    // A head hundreds of transaction ids old, a query of two tagged items: the same answers are required.
    const refused = accountQuery('old-a', 'old-b');
    const t1 = await db.startTransaction().execute();
    await ctx.store.with(t1).append([withdrawal('old-a', 70)]);
    await ctx.store.append([deposit('old-b', 5)]);
    const seen = await ctx.store.read(refused);
    expect(seen.events).toHaveLength(1);
    await t1.commit().execute();
    await unrelatedTransactions();
    await expect(
      ctx.store.append([{ type: 'MoneyTransferred', data: { from: 'old-a', to: 'old-b', amount: 50 }, tags: ['account:old-a', 'account:old-b'] }], {
        condition: { query: refused, after: seen.head },
      }),
    ).rejects.toBeInstanceOf(AppendConditionError);

    const accepted = accountQuery('old-c');
    await ctx.store.append([deposit('old-c', 100)]);
    const read = await ctx.store.read(accepted);
    await unrelatedTransactions();
    const result = await ctx.store.append([withdrawal('old-c', 60)], { condition: { query: accepted, after: read.head } });
    expect(result.duplicate).toBe(false);
  });

  /**
   * Each query shape the check handles differently (tagged items go through `event_tags`; untagged ones scan the
   * transactions since a recent head, or run planned SQL for an old one), at both head ages: the out-of-order
   * scenario must be refused, and an event written after the read that shares the candidate (the tag, the type)
   * without matching must not fail the append.
   */
  const shapes: {
    name: string;
    query: (k: string) => Query<TestEvent>;
    matching: (k: string) => Parameters<EventStore<TestEvent>['append']>[0][number];
    nearMiss: (k: string) => Parameters<EventStore<TestEvent>['append']>[0][number];
  }[] = [
    {
      name: 'types and a tag',
      query: (k) => [{ types: ['MoneyWithdrawn', 'MoneyDeposited'], tags: [`account:${k}`] }],
      matching: (k) => withdrawal(k),
      nearMiss: (k) => ({ type: 'AccountOpened', data: { accountId: k, customerName: k, currency: 'EUR' }, tags: [`account:${k}`] }),
    },
    {
      name: 'two tags, stored in another order among more',
      query: (k) => [{ tags: [`account:${k}`, 'region:eu'] }],
      matching: (k) => ({ type: 'MoneyWithdrawn', data: { accountId: k, amount: 1 }, tags: ['region:eu', 'vip', `account:${k}`] }),
      nearMiss: (k) => withdrawal(k),
    },
    {
      name: 'a tag and a payload',
      query: (k) => [{ tags: [`account:${k}`], data: { amount: 70 } }],
      matching: (k) => withdrawal(k, 70),
      nearMiss: (k) => withdrawal(k, 5),
    },
    {
      name: 'types and a payload, no tag',
      query: (k) => [{ types: ['MoneyWithdrawn'], data: { accountId: k } }],
      matching: (k) => withdrawal(k),
      nearMiss: (k) => deposit(k),
    },
    {
      name: 'an untagged item OR a tagged one',
      query: (k) => [{ tags: [`account:other-${k}`] }, { types: ['MoneyWithdrawn'], data: { accountId: k } }],
      matching: (k) => withdrawal(k),
      nearMiss: (k) => deposit(k),
    },
  ];
  const ages = [
    { age: 'recent head', between: async () => {} },
    { age: 'head 300 transactions old', between: unrelatedTransactions },
  ];
  const cases = shapes.flatMap((shape, s) => ages.map((age, a) => ({ ...shape, ...age, key: `shape-${s}-${a}` })));

  it.each(cases)('$name, $age: refuses what a lower position committed after the read', async ({ query, matching, between, key }) => {
    const t1 = await db.startTransaction().execute();
    await ctx.store.with(t1).append([matching(key)]);
    await ctx.store.append([deposit(`${key}-later`, 5)]);
    const seen = await ctx.store.read(query(key));
    expect(seen.events).toHaveLength(0);
    await t1.commit().execute();
    await between();
    await expect(ctx.store.append([deposit(`${key}-x`, 1)], { condition: { query: query(key), after: seen.head } })).rejects.toBeInstanceOf(
      AppendConditionError,
    );
  });

  it.each(cases)('$name, $age: accepts when what came after the read does not match', async ({ query, matching, nearMiss, between, key }) => {
    const k = `${key}-ok`;
    await ctx.store.append([matching(k)]);
    const seen = await ctx.store.read(query(k));
    expect(seen.events).toHaveLength(1);
    await ctx.store.append([nearMiss(k)]);
    await between();
    const result = await ctx.store.append([deposit(`${k}-x`, 1)], { condition: { query: query(k), after: seen.head } });
    expect(result.duplicate).toBe(false);
    // …and the same append is refused once something matching does come after the head.
    await ctx.store.append([matching(k)]);
    await expect(ctx.store.append([deposit(`${k}-x`, 1)], { condition: { query: query(k), after: seen.head } })).rejects.toBeInstanceOf(
      AppendConditionError,
    );
  });

  it.each(shapes.map((shape, s) => ({ ...shape, key: `shape-${s}-nohead` })))(
    '$name, no head ("nothing matching may exist"): a near miss passes, a match fails it',
    async ({ query, matching, nearMiss, key }) => {
      await ctx.store.append([nearMiss(key)]);
      // The guarded event matches none of the shapes, so only the stored events decide.
      const result = await ctx.store.append([deposit(`${key}-x`, 1)], { condition: { query: query(key) } });
      expect(result.duplicate).toBe(false);
      await ctx.store.append([matching(key)]);
      await expect(ctx.store.append([deposit(`${key}-x`, 1)], { condition: { query: query(key) } })).rejects.toBeInstanceOf(AppendConditionError);
    },
  );

  it('sees its own transaction: read and conditional append inside one transaction', async () => {
    const query = accountQuery('own');
    await db.transaction().execute(async (trx) => {
      const session = ctx.store.with(trx);
      await session.append([deposit('own', 10)]);
      const seen = await session.read(query);
      expect(seen.events).toHaveLength(1);
      await session.append([withdrawal('own', 10)], { condition: { query, after: seen.head } });
    });
    expect((await ctx.store.read(query)).events).toHaveLength(2);
  });

  it('refuses a conditional append in a REPEATABLE READ transaction, where the check could not see newer commits', async () => {
    const query = accountQuery('rr');
    await expect(
      db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        const seen = await ctx.store.with(trx).read(query);
        await ctx.store.with(trx).append([deposit('rr')], { condition: { query, after: seen.head } });
      }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_ISOLATION' });
    expect((await ctx.store.read(query)).events).toHaveLength(0);
  });
});
