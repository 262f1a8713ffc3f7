import { randomBytes, randomUUID } from 'node:crypto';
import { createEventStore, isErased, type Erasable, type NewEvent } from '@tally/eventstore';
import { tablesContaining } from '@tally/test-harness';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createProjector, defineProjection } from '../src/index.js';
import { eventually, setupDatabase } from './helpers.js';

type CustomerEvent = { type: 'CustomerRegistered'; data: { customerId: string; name: Erasable<string> } } | { type: 'CustomerVisited'; data: { customerId: string } };

interface CustomerDb {
  t_customers: { customer_id: string; name: string | null; visits: number };
}

const { database, db: anyDb } = await setupDatabase();
const store = createEventStore<CustomerEvent>({
  connectionString: database.url,
  personalData: { CustomerRegistered: { subject: (data) => data.customerId, fields: ['name'] } },
  encryptionKey: randomBytes(32),
});
afterAll(() => store.close());

const erasedSubjects: string[] = [];
const customers = defineProjection<CustomerEvent, CustomerDb>()({
  name: 'customers',
  version: 1,
  query: [{ types: ['CustomerRegistered', 'CustomerVisited'] }],
  tables: ['t_customers'],
  setup: async (db) => {
    await sql`CREATE TABLE IF NOT EXISTS t_customers (customer_id text PRIMARY KEY, name text, visits int NOT NULL DEFAULT 0)`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('t_customers').execute();
  },
  handle: async (events, trx) => {
    for (const event of events) {
      if (event.type === 'CustomerRegistered') {
        const name = isErased(event.data.name) ? null : event.data.name;
        await trx.insertInto('t_customers').values({ customer_id: event.data.customerId, name, visits: 0 }).execute();
      } else {
        await trx.updateTable('t_customers').set((eb) => ({ visits: eb('visits', '+', 1) })).where('customer_id', '=', event.data.customerId).execute();
      }
    }
  },
  onErase: async (subject, trx) => {
    erasedSubjects.push(subject);
    await trx.updateTable('t_customers').set({ name: null }).where('customer_id', '=', subject).execute();
  },
});

const registered = (customerId: string, name: string): NewEvent<CustomerEvent> => ({
  type: 'CustomerRegistered',
  data: { customerId, name },
  tags: [`customer:${customerId}`],
});
const visited = (customerId: string): NewEvent<CustomerEvent> => ({ type: 'CustomerVisited', data: { customerId }, tags: [`customer:${customerId}`] });
const rows = async () => (await sql<CustomerDb['t_customers']>`SELECT customer_id, name, visits FROM t_customers ORDER BY customer_id`.execute(anyDb)).rows;

describe('projections and erasure', () => {
  it('runs onErase once per erasure, while appends go on; the name is then in no table; a rebuild replays the erased form', async () => {
    // Naive versions caught: a projector without onErase (the name stays in the read table), one that calls it
    // on every batch (counted), and a rebuild that decrypts what was erased (the name comes back).
    const projector = createProjector({ store, projections: [customers], connectionString: database.url, batchSize: 5, pollIntervalMs: 50, claimIntervalMs: 200 });
    const people = Array.from({ length: 4 }, (_, i) => ({ id: `cust-${i}-${randomUUID().slice(0, 8)}`, name: `Person${i} Vandersloot-${randomBytes(3).toString('hex')}` }));
    await store.append(people.map((p) => registered(p.id, p.name)));
    await projector.start();
    try {
      expect(await eventually(async () => (await rows()).length === people.length, 10_000)).toBe(true);
      expect((await rows()).map((r) => r.name)).toEqual(people.map((p) => p.name));
      const [gone, ...kept] = people;
      // Appends keep arriving for every customer while the erasure happens.
      let appending = true;
      const appender = (async () => {
        while (appending) {
          for (const p of people) {
            await store.append([visited(p.id)]);
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 100));
      await store.eraseSubject(gone!.id, { erasedBy: 'test' });
      expect(await eventually(async () => (await rows()).find((r) => r.customer_id === gone!.id)?.name === null, 10_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300)); // more batches, with nothing more to erase
      appending = false;
      await appender;
      await projector.waitForCatchUp({ timeoutMs: 10_000 });
      expect(erasedSubjects).toEqual([gone!.id]);
      expect(await tablesContaining(database.url, gone!.name)).toEqual([]);
      expect((await rows()).filter((r) => r.name !== null).map((r) => r.name)).toEqual(kept.map((p) => p.name));

      await projector.rebuild('customers');
      // The live tables serve (and count 4 rows) all through the build: wait for the switch, when no build is left.
      const switched = await eventually(async () => {
        const [status] = await projector.status();
        return status?.state === 'running' && status.build === null && (await rows()).length === people.length;
      }, 15_000);
      expect(switched).toBe(true);
      await projector.waitForCatchUp({ timeoutMs: 10_000 });
      const rebuilt = await rows();
      expect(rebuilt.find((r) => r.customer_id === gone!.id)?.name).toBeNull();
      expect(rebuilt.filter((r) => r.name !== null).map((r) => r.name)).toEqual(kept.map((p) => p.name));
      expect(await tablesContaining(database.url, gone!.name)).toEqual([]);
      // The build ran it once more, on its own tables (its progress starts at 0 and passes to the live row).
      expect(erasedSubjects).toEqual([gone!.id, gone!.id]);
    } finally {
      await projector.stop();
    }
  });
});
