import { createTestDatabase } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore } from '../src/index.js';
import { jsonbContains } from '../src/testing/index.js';
import { describeEventStoreContract } from './contract/event-store-contract.js';
import { jsonbContainmentCases } from './contract/jsonb-containment-cases.js';
import type { TestEvent } from './helpers.js';

/** Each store its own database, copied from the run's migrated template. */
describeEventStoreContract('PostgreSQL', async () => {
  const database = await createTestDatabase();
  const store = createEventStore<TestEvent>({ connectionString: database.url });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe("the memory store's jsonb containment is PostgreSQL's @>", () => {
  let client: pg.Client;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase();
    drop = database.drop;
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await drop();
  });

  it.each(jsonbContainmentCases)('%j @> %j', async (container, contained, expected) => {
    const { rows } = await client.query<{ contains: boolean }>('SELECT $1::jsonb @> $2::jsonb AS contains', [
      JSON.stringify(container),
      JSON.stringify(contained),
    ]);
    expect(rows[0]!.contains).toBe(expected);
    expect(jsonbContains(container, contained)).toBe(rows[0]!.contains);
  });
});
