// The code quoted by docs/testing.md: how to test a slice's pure decision, the slice against a real store, and a
// projection, with the helpers of `@tally/eventstore/testing` and `@tally/projections/testing`.
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// #region imports
import { createCommandHandler } from '@tally/decisions';
import { createTestStore, storedEvents } from '@tally/eventstore/testing';
import { projectionSpec } from '@tally/projections/testing';
import { accountTag, type BankEvent } from '../src/domain/events.js';
import { decideWithdraw } from '../src/features/withdraw/decide.js';
import { withdraw } from '../src/features/withdraw/withdraw.js';
import { accountsProjection } from '../src/features/views/accounts-projection.js';
import { statementsProjection } from '../src/features/views/statements-projection.js';
// #endregion imports

// #region unit
describe('decideWithdraw (pure: no database)', () => {
  const opened = (initialDeposit: number) =>
    ({
      type: 'AccountOpened',
      data: { accountId: 'a1', customerName: 'Ada', accountType: 'checking', currency: 'EUR', initialDeposit },
      tags: [accountTag('a1')],
    }) as const;

  it('withdraws what the balance covers', () => {
    const history = storedEvents<BankEvent>([
      opened(0),
      { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 100_00, depositId: 'd1' }, tags: [accountTag('a1')] },
    ]);
    const decision = decideWithdraw({ accountId: 'a1', amount: 80_00, withdrawalId: 'w1' }, history);
    expect(decision.kind).toBe('append');
    expect(decision.kind === 'append' && decision.events.map((e) => e.type)).toEqual(['MoneyWithdrawn']);
  });

  it('refuses more than the balance with INSUFFICIENT_FUNDS', () => {
    const history = storedEvents<BankEvent>([opened(50_00)]);
    expect(() => decideWithdraw({ accountId: 'a1', amount: 80_00, withdrawalId: 'w1' }, history)).toThrow(
      expect.objectContaining({ code: 'INSUFFICIENT_FUNDS' }),
    );
  });

  it('answers a retried withdrawal as a replay, even when the balance no longer covers it', () => {
    const history = storedEvents<BankEvent>([
      opened(80_00),
      { type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 80_00, withdrawalId: 'w1' }, tags: [accountTag('a1')] },
    ]);
    expect(decideWithdraw({ accountId: 'a1', amount: 80_00, withdrawalId: 'w1' }, history).kind).toBe('replay');
  });
});
// #endregion unit

// Our harness gives every test file a fresh database on the run's PostgreSQL server (DATABASE_URL, a container
// or an embedded server). Any database the test may create schemas in will do.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

// #region slice
describe('the withdraw slice on a real store', () => {
  it('appends one event per withdrawal id and refuses an overdraft', async () => {
    const { store, drop } = await createTestStore<BankEvent>({ connectionString: database.url });
    try {
      // Given: an account with 100.00 EUR, appended directly.
      await store.append([
        {
          type: 'AccountOpened',
          data: { accountId: 'a1', customerName: 'Ada', accountType: 'checking', currency: 'EUR', initialDeposit: 100_00 },
          tags: [accountTag('a1')],
        },
      ]);

      // When: the slice runs, then the client retries the same request.
      const handler = createCommandHandler(store);
      const first = await withdraw(handler, { accountId: 'a1', amount: 80_00, withdrawalId: 'w1' });
      const retry = await withdraw(handler, { accountId: 'a1', amount: 80_00, withdrawalId: 'w1' });

      // Then: one event, the retry is a replay, and a second withdrawal would overdraw.
      expect(first.replayed).toBe(false);
      expect(retry.replayed).toBe(true);
      const { events } = await store.read([{ types: ['MoneyWithdrawn'], tags: [accountTag('a1')] }]);
      expect(events.map((e) => e.data.amount)).toEqual([80_00]);
      await expect(withdraw(handler, { accountId: 'a1', amount: 30_00, withdrawalId: 'w2' })).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    } finally {
      await drop();
    }
  });
});
// #endregion slice

// #region projection
describe('the bank-accounts projection', () => {
  it('keeps one row per account with its balance and status', async () => {
    const { store, drop } = await createTestStore<BankEvent>({ connectionString: database.url });
    const spec = projectionSpec(accountsProjection, { store, connectionString: database.url });
    try {
      const a1 = accountTag('a1');
      await spec
        .given([
          {
            type: 'AccountOpened',
            data: { accountId: 'a1', customerName: 'Ada', accountType: 'checking', currency: 'EUR', initialDeposit: 10_00 },
            tags: [a1],
          },
          { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5_00, depositId: 'd1' }, tags: [a1] },
          { type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 15_00, withdrawalId: 'w1' }, tags: [a1] },
          { type: 'AccountClosed', data: { accountId: 'a1' }, tags: [a1] },
        ])
        .then(
          (trx) => trx.selectFrom('bank_accounts').select(['account_id', 'balance', 'status']).execute(),
          // node-postgres returns bigint columns as strings.
          [{ account_id: 'a1', balance: '0', status: 'closed' }],
        );
    } finally {
      await spec.close();
      await drop();
    }
  });
});
// #endregion projection

// #region projection-batches
describe('the bank-statements projection', () => {
  it('continues a statement from the lines an earlier batch stored', async () => {
    const { store, drop } = await createTestStore<BankEvent>({ connectionString: database.url });
    const spec = projectionSpec(statementsProjection, { store, connectionString: database.url });
    try {
      const a1 = accountTag('a1');
      await spec
        // One batch: the statement's first two lines are stored ...
        .given([
          {
            type: 'AccountOpened',
            data: { accountId: 'a1', customerName: 'Ada', accountType: 'checking', currency: 'EUR', initialDeposit: 10_00 },
            tags: [a1],
          },
          { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5_00, depositId: 'd1' }, tags: [a1] },
        ])
        // ... then a second batch, whose lines must follow on from them.
        .when([{ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 3_00, withdrawalId: 'w1' }, tags: [a1] }])
        .then(
          (trx) => trx.selectFrom('bank_statement_lines').select(['seq', 'kind', 'balance_after']).orderBy('seq').execute(),
          [
            { seq: 1, kind: 'opening', balance_after: '1000' },
            { seq: 2, kind: 'deposit', balance_after: '1500' },
            { seq: 3, kind: 'withdrawal', balance_after: '1200' },
          ],
        );
    } finally {
      await spec.close();
      await drop();
    }
  });
});
// #endregion projection-batches
