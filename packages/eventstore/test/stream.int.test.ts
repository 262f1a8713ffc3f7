import { beforeAll, describe, expect, it } from 'vitest';
import { rawClient, setupStore } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
const total = 200_000;

beforeAll(async () => {
  ctx = await setupStore();
  // Seed quickly with plain INSERTs (the store allows them; only UPDATE/DELETE/TRUNCATE are refused).
  const client = await rawClient(ctx.database.url);
  await client.query(`
    INSERT INTO tally.events (id, type, data, tags, metadata)
    SELECT gen_random_uuid(), 'MoneyDeposited',
           jsonb_build_object('accountId', 'acc-' || (g % 1000), 'amount', g, 'note', repeat('x', 200)),
           ARRAY['account:acc-' || (g % 1000)], '{}'::jsonb
      FROM generate_series(1, ${total}) g`);
});

function heapMb(): number {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

describe('stream', () => {
  it('walks 200k events in order with bounded heap growth', async () => {
    expect(typeof globalThis.gc).toBe('function'); // the test config passes --expose-gc
    const baseline = heapMb();
    let peak = baseline;
    let count = 0;
    let last = 0n;
    for await (const event of ctx.store.stream(undefined, { batchSize: 1000 })) {
      expect(event.position).toBeGreaterThan(last);
      last = event.position;
      count++;
      if (count % 20_000 === 0) peak = Math.max(peak, heapMb());
    }
    expect(count).toBe(total);
    const growth = peak - baseline;
    // 200k events of ~400 bytes held at once would be well over 100 MB of heap; one page is about 1 MB.
    console.log(`stream: ${count} events, heap baseline ${baseline.toFixed(1)} MB, peak growth ${growth.toFixed(1)} MB`);
    expect(growth).toBeLessThan(32);
  });

  it('reads from one snapshot: events committed mid-scan are not slipped in behind it', async () => {
    const iterator = ctx.store.stream([{ tags: ['account:acc-7'] }], { batchSize: 10 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    await ctx.store.append([{ type: 'MoneyDeposited', data: { accountId: 'acc-7', amount: 1 }, tags: ['account:acc-7'] }]);
    let count = 1;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) count++;
    expect(count).toBe(total / 1000);
  });

  it('stops cleanly when the consumer breaks early', async () => {
    let seen = 0;
    for await (const _ of ctx.store.stream(undefined, { batchSize: 100 })) {
      if (++seen === 150) break;
    }
    expect(seen).toBe(150);
    // The pool is not leaking the stream's connection: further reads work.
    expect((await ctx.store.read(undefined, { limit: 1 })).events).toHaveLength(1);
  });
});
