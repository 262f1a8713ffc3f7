import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createEventStore, type EventStore, type EventStoreError, type Head, type NewEvent } from '../src/index.js';
import type { TestEvent } from './helpers.js';

interface ReadDb {
  balances: { account_id: string; balance: number };
}

describe('typing at the call site', () => {
  it('accepts a Kysely instance and transactions of any database type, without casts', () => {
    const db = new Kysely<ReadDb>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://nowhere/none' }) }) });
    const store = createEventStore<TestEvent>({ db });
    const inTransaction = (trx: Transaction<ReadDb>) => store.with(trx).append([{ type: 'MoneyDeposited', data: { accountId: 'a', amount: 1 } }]);
    expect(typeof inTransaction).toBe('function');
    // @ts-expect-error: data must match the event type
    const wrong = () => store.append([{ type: 'MoneyDeposited', data: { accountId: 'a' } }]);
    expect(typeof wrong).toBe('function');
    return db.destroy();
  });

  it("a query item's data is typed by the item's types (issue 12; each rule in query-types.unit.test.ts)", () => {
    const transfer: NewEvent<TestEvent> = { type: 'MoneyTransferred', data: { from: 'a', to: 'b', amount: 1 } };
    const guarded = (store: EventStore<TestEvent>, after: Head) =>
      store.append([transfer], { condition: { query: [{ types: ['MoneyTransferred'], data: { from: 'a' } }], after } });
    const misguarded = (store: EventStore<TestEvent>, after: Head) =>
      // @ts-expect-error: accountId is a field of the other money events, not of MoneyTransferred
      store.append([transfer], { condition: { query: [{ types: ['MoneyTransferred'], data: { accountId: 'a' } }], after } });
    const narrowed = (store: EventStore<TestEvent>) => store.read([{ types: ['MoneyDeposited'], data: { accountId: 'a' } }]);
    expectTypeOf<Awaited<ReturnType<typeof narrowed>>['events'][number]['type']>().toEqualTypeOf<'MoneyDeposited'>();
    expect([typeof guarded, typeof misguarded, typeof narrowed]).toEqual(['function', 'function', 'function']);
  });

  it('error codes are a literal union: a misspelt code does not compile', () => {
    const refused = (error: EventStoreError) => error.code === 'APPEND_CONDITION_FAILED';
    // @ts-expect-error: 'APPEND_CONDITON_FAILED' is not one of the codes
    const misspelt = (error: EventStoreError) => error.code === 'APPEND_CONDITON_FAILED';
    expect([typeof refused, typeof misspelt]).toEqual(['function', 'function']);
  });
});
