import { beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createEventStore } from '../src/index.js';
import { rawClient, setupStore, type TestEvent } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
beforeAll(async () => {
  ctx = await setupStore();
});

describe('migrate', () => {
  it('is idempotent and safe when several processes run it at once, in a custom schema', async () => {
    const stores = Array.from({ length: 6 }, () =>
      createEventStore<TestEvent>({ connectionString: ctx.database.url, schema: 'ledger', maxConnections: 2 }),
    );
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0]!.append([{ type: 'MoneyDeposited', data: { accountId: 'm', amount: 1 } }]);
      expect((await stores[1]!.read()).events).toHaveLength(1);
      // The default schema is untouched.
      expect((await ctx.store.read([{ data: { accountId: 'm' } }])).events).toHaveLength(0);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

async function nextNotification(client: pg.Client, channel: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no notification on ${channel}`)), 5000);
    client.once('notification', (message) => {
      clearTimeout(timer);
      if (message.channel === channel) resolve(message.payload);
    });
  });
}

describe('notifications', () => {
  it.each(['after-commit', 'in-transaction'] as const)('%s: a committed append wakes listeners with its position', async (notify) => {
    const listener = await rawClient(ctx.database.url);
    await listener.query('LISTEN tally_events');
    const store = createEventStore<TestEvent>({ connectionString: ctx.database.url, notify });
    try {
      const received = nextNotification(listener, 'tally_events');
      const { lastPosition } = await store.append([{ type: 'MoneyDeposited', data: { accountId: 'n', amount: 1 } }]);
      expect(await received).toBe(lastPosition.toString());
    } finally {
      await store.close();
    }
  });

  it("'off' sends nothing", async () => {
    const listener = await rawClient(ctx.database.url);
    await listener.query('LISTEN tally_events');
    const store = createEventStore<TestEvent>({ connectionString: ctx.database.url, notify: 'off' });
    let got = 0;
    listener.on('notification', () => got++);
    await store.append([{ type: 'MoneyDeposited', data: { accountId: 'n', amount: 1 } }]);
    await store.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toBe(0);
  });
});
