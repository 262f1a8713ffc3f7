import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createEventStore, InvalidEventError, type EventsOf, type EventStore } from '../src/index.js';
import { createInMemoryEventStore } from '../src/testing/index.js';

// #region schemas
const schemas = {
  AccountOpened: z.object({ accountId: z.string().min(1), currency: z.enum(['EUR', 'USD']) }),
  MoneyDeposited: z.object({ accountId: z.string(), amount: z.number().positive() }),
};
/** The event union, inferred from the schemas instead of written a second time. */
type BankEvent = EventsOf<typeof schemas>;

const openBank = (connectionString: string) => createEventStore<BankEvent>({ connectionString, schemas });
// #endregion schemas

/** The same events in valibot, with an asynchronous check (e.g. a lookup) on the account id. */
const known = new Set(['a1', 'a2']);
const valibotSchemas = {
  AccountOpened: v.object({ accountId: v.pipe(v.string(), v.minLength(1)), currency: v.picklist(['EUR', 'USD']) }),
  MoneyDeposited: v.pipeAsync(
    v.object({ accountId: v.string(), amount: v.pipe(v.number(), v.minValue(0.01)) }),
    v.checkAsync(async (data) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return known.has(data.accountId);
    }, 'unknown account'),
  ),
};
type ValibotEvent = EventsOf<typeof valibotSchemas>;

let database: TestDatabase;
let zodStore: EventStore<BankEvent>;
let valibotStore: EventStore<ValibotEvent>;

beforeAll(async () => {
  database = await createTestDatabase();
  zodStore = openBank(database.url);
  await zodStore.migrate();
  valibotStore = createEventStore<ValibotEvent>({ connectionString: database.url, schemas: valibotSchemas });
});

afterAll(async () => {
  await zodStore.close();
  await valibotStore.close();
  await database.drop();
});

const refusal = (work: () => Promise<unknown>) => work().then(() => undefined, (error: unknown) => error);

describe('runtime validation with Standard Schema', () => {
  it('infers the event union from zod and valibot schemas', () => {
    expectTypeOf<BankEvent>().toEqualTypeOf<
      | { readonly type: 'AccountOpened'; readonly data: { accountId: string; currency: 'EUR' | 'USD' } }
      | { readonly type: 'MoneyDeposited'; readonly data: { accountId: string; amount: number } }
    >();
    expectTypeOf<ValibotEvent>().toEqualTypeOf<BankEvent>();
  });

  // Fails on a store that type-checks only (the bad payload is stored), and on one that validates and writes
  // event by event (the first two events of the batch are stored before the third is refused).
  it.each([
    ['zod', () => zodStore],
    ['valibot', () => valibotStore],
  ] as const)('refuses a bad event with INVALID_EVENT_DATA and its path, and writes nothing of the batch (%s)', async (_name, storeOf) => {
    const store = storeOf() as EventStore<BankEvent>;
    const batch = [
      { type: 'AccountOpened', data: { accountId: 'a1', currency: 'EUR' }, tags: ['batch:1'] },
      { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 10 }, tags: ['batch:1'] },
      // What a caller outside TypeScript (JSON from a request) can send.
      { type: 'MoneyDeposited', data: JSON.parse('{ "accountId": "a1", "amount": -5 }') as { accountId: string; amount: number }, tags: ['batch:1'] },
    ] as const;
    const error = await refusal(() => store.append(batch));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'INVALID_EVENT_DATA', index: 2, path: 'data.amount' });
    expect((error as Error).message).toMatch(/^events\[2\]\.data\.amount: /);
    expect((await store.read([{ tags: ['batch:1'] }])).events).toEqual([]);
  });

  it('runs asynchronous validators (valibot pipeAsync)', async () => {
    const error = await refusal(() => valibotStore.append([{ type: 'MoneyDeposited', data: { accountId: 'nobody', amount: 1 } }]));
    expect(error).toMatchObject({ code: 'INVALID_EVENT_DATA', index: 0, path: 'data', message: 'events[0].data: unknown account' });
    await valibotStore.append([{ type: 'MoneyDeposited', data: { accountId: 'a2', amount: 1 }, tags: ['async'] }]);
    expect((await valibotStore.read([{ tags: ['async'] }])).events.map((e) => e.data)).toEqual([{ accountId: 'a2', amount: 1 }]);
  });

  // Fails on a validation done by the database (a CHECK, a trigger): the refusal would abort the caller's transaction.
  it('refuses before any statement, so a caller transaction stays usable', async () => {
    const error = await zodStore.transaction(async (session) => {
      await session.append([{ type: 'AccountOpened', data: { accountId: 'a9', currency: 'EUR' }, tags: ['trx'] }]);
      // An unknown currency, from JSON: the path names the field.
      const unknownCurrency = JSON.parse('{ "accountId": "a9", "currency": "GBP" }') as { accountId: string; currency: 'EUR' };
      const refused = await refusal(() => session.append([{ type: 'AccountOpened', data: unknownCurrency, tags: ['trx'] }]));
      await session.append([{ type: 'MoneyDeposited', data: { accountId: 'a9', amount: 1 }, tags: ['trx'] }]);
      return refused;
    });
    expect(error).toMatchObject({ code: 'INVALID_EVENT_DATA', path: 'data.currency' });
    expect((await zodStore.read([{ tags: ['trx'] }])).events.map((e) => e.type)).toEqual(['AccountOpened', 'MoneyDeposited']);
  });

  it('validates in the in-memory store the same way', async () => {
    const memory = createInMemoryEventStore<BankEvent>({ schemas });
    const error = await refusal(() =>
      memory.append([
        { type: 'AccountOpened', data: { accountId: 'a1', currency: 'EUR' } },
        { type: 'AccountOpened', data: { accountId: '', currency: 'EUR' } },
      ]),
    );
    expect(error).toMatchObject({ code: 'INVALID_EVENT_DATA', index: 1, path: 'data.accountId' });
    expect((await memory.read()).events).toEqual([]);
  });
});
