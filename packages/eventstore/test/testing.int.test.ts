import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../src/index.js';
import { createTestStore, type TestStore } from '../src/testing/index.js';
import type { TestEvent } from './helpers.js';

let database: TestDatabase;
let admin: pg.Client;
const open: TestStore<TestEvent>[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(open.map((t) => t.drop()));
  await admin.end();
  await database.drop();
});

async function testStore(options: { schema?: string } = {}): Promise<TestStore<TestEvent>> {
  const created = await createTestStore<TestEvent>({ connectionString: database.url, ...options });
  open.push(created);
  return created;
}

async function schemaExists(schema: string): Promise<boolean> {
  const { rowCount } = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return (rowCount ?? 0) > 0;
}

describe('createTestStore', () => {
  it('creates a migrated store in a fresh test_<hex> schema', async () => {
    const { store, schema } = await testStore();
    expect(schema).toMatch(/^test_[0-9a-f]{16}$/);
    expect(store.schema).toBe(schema);
    expect(await schemaExists(schema)).toBe(true);
    const { rows } = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    expect(rows.map((r) => r.table_name)).toContain('events');
    const { positions } = await store.append([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 }, tags: ['account:a1'] }]);
    expect(positions).toHaveLength(1);
  });

  it('isolates two test stores on one database: neither sees the other’s events, and conditions do not cross', async () => {
    const a = await testStore();
    const b = await testStore();
    expect(a.schema).not.toBe(b.schema);
    await a.store.append([{ type: 'AccountOpened', data: { accountId: 'x', customerName: 'Ada', currency: 'EUR' }, tags: ['account:x'] }]);
    await b.store.append([
      { type: 'MoneyDeposited', data: { accountId: 'x', amount: 1 }, tags: ['account:x'] },
      { type: 'MoneyDeposited', data: { accountId: 'x', amount: 2 }, tags: ['account:x'] },
    ]);
    const readA = await a.store.read();
    const readB = await b.store.read();
    expect(readA.events.map((e) => e.type)).toEqual(['AccountOpened']);
    expect(readB.events.map((e) => e.type)).toEqual(['MoneyDeposited', 'MoneyDeposited']);
    // Positions are per store: each starts its own sequence.
    expect(readA.events[0]!.position).toBe(1n);
    expect(readB.events[0]!.position).toBe(1n);
    // "No event tagged account:x exists" holds in a store that has none, whatever the other holds.
    const c = await testStore();
    await expect(
      c.store.append([{ type: 'MoneyDeposited', data: { accountId: 'x', amount: 3 } }], { condition: { query: [{ tags: ['account:x'] }] } }),
    ).resolves.toMatchObject({ duplicate: false });
  });

  it('drop() closes the store and removes the schema with its tables; calling it twice is fine', async () => {
    const { store, schema, drop } = await createTestStore<TestEvent>({ connectionString: database.url });
    await store.append([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 } }]);
    expect(await schemaExists(schema)).toBe(true);
    await drop();
    expect(await schemaExists(schema)).toBe(false);
    const { rowCount } = await admin.query('SELECT 1 FROM information_schema.tables WHERE table_schema = $1', [schema]);
    expect(rowCount).toBe(0);
    await expect(store.read()).rejects.toMatchObject({ name: 'StoreClosedError' });
    await expect(drop()).resolves.toBeUndefined();
  });

  it('uses a given schema name, and refuses one that already exists (drop() must never remove a real schema)', async () => {
    const named = await testStore({ schema: 'test_named_schema' });
    expect(named.schema).toBe('test_named_schema');
    expect(await schemaExists('test_named_schema')).toBe(true);
    await expect(createTestStore<TestEvent>({ connectionString: database.url, schema: 'test_named_schema' })).rejects.toBeInstanceOf(ConfigurationError);
    // The template's own store schema exists: refused, and left in place.
    await expect(createTestStore<TestEvent>({ connectionString: database.url, schema: 'tally' })).rejects.toBeInstanceOf(ConfigurationError);
    expect(await schemaExists('tally')).toBe(true);
    expect(await schemaExists('test_named_schema')).toBe(true);
  });

  it('rejects a schema name that is not a lower-case identifier', async () => {
    await expect(createTestStore<TestEvent>({ connectionString: database.url, schema: 'Bad-Name' })).rejects.toBeInstanceOf(ConfigurationError);
  });
});
