import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createEventStore } from '../src/index.js';
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
});
