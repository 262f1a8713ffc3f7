import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createEventStore, type EventStoreError } from '../src/index.js';
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

  it('error codes are a literal union: a misspelt code does not compile', () => {
    const refused = (error: EventStoreError) => error.code === 'APPEND_CONDITION_FAILED';
    // @ts-expect-error: 'APPEND_CONDITON_FAILED' is not one of the codes
    const misspelt = (error: EventStoreError) => error.code === 'APPEND_CONDITON_FAILED';
    expect([typeof refused, typeof misspelt]).toEqual(['function', 'function']);
  });
});
