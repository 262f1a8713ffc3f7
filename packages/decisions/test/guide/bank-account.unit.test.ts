/** Runs the guide's BankAccount rules (seed 003) as an aggregate, with decisionSpec on the in-memory store. */
import { describe, it } from 'vitest';
import { decisionSpec } from '../../src/index.js';
import { bankAccount } from './bank-account.js';

// #region spec
const opened = { type: 'AccountOpened', data: { accountId: 'a1', initialDeposit: 100 }, tags: ['account:a1'] } as const;

describe('BankAccount as an aggregate', () => {
  const { open, deposit, withdraw, close } = bankAccount.commands;

  it('opens an account once', async () => {
    await decisionSpec(open).when({ id: 'a1', initialDeposit: 100 }).then([opened]);
    await decisionSpec(open).given([opened]).when({ id: 'a1', initialDeposit: 5 }).thenRejects('ACCOUNT_ALREADY_OPENED');
  });

  it('deposits a positive amount into an open account', async () => {
    await decisionSpec(deposit)
      .given([opened])
      .when({ id: 'a1', amount: 50 })
      .then([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 50 }, tags: ['account:a1'] }]);
    await decisionSpec(deposit).given([opened]).when({ id: 'a1', amount: 0 }).thenRejects('AMOUNT_NOT_POSITIVE', { amount: 0 });
    await decisionSpec(deposit).when({ id: 'a1', amount: 50 }).thenRejects('ACCOUNT_NOT_OPEN', { status: 'new' });
  });

  it('withdraws what the balance covers, and no more', async () => {
    await decisionSpec(withdraw)
      .given([opened])
      .when({ id: 'a1', amount: 100, withdrawalId: 'w1' })
      .then([{ type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 100, withdrawalId: 'w1' }, tags: ['account:a1', 'withdrawal:w1'] }]);
    await decisionSpec(withdraw)
      .given([opened])
      .when({ id: 'a1', amount: 101, withdrawalId: 'w1' })
      .thenRejects('INSUFFICIENT_FUNDS', { balance: 100, amount: 101 });
  });

  it('closes an account only when its balance is zero, and then takes nothing more', async () => {
    await decisionSpec(close).given([opened]).when({ id: 'a1' }).thenRejects('BALANCE_NOT_ZERO', { balance: 100 });
    const emptied = { type: 'MoneyWithdrawn', data: { accountId: 'a1', amount: 100, withdrawalId: 'w1' }, tags: ['account:a1'] } as const;
    await decisionSpec(close)
      .given([opened, emptied])
      .when({ id: 'a1' })
      .then([{ type: 'AccountClosed', data: { accountId: 'a1' }, tags: ['account:a1'] }]);
    const closed = { type: 'AccountClosed', data: { accountId: 'a1' }, tags: ['account:a1'] } as const;
    await decisionSpec(deposit).given([opened, emptied, closed]).when({ id: 'a1', amount: 5 }).thenRejects('ACCOUNT_NOT_OPEN', { status: 'closed' });
    await decisionSpec(open).given([opened, emptied, closed]).when({ id: 'a1', initialDeposit: 5 }).thenRejects('ACCOUNT_ALREADY_OPENED');
  });
});
// #endregion spec
