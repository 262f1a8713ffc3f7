import { describe, expect, it } from 'vitest';
import { BankError } from '../src/domain/errors.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../src/domain/money.js';
import { deposited, withdrawn } from './history.js';
import { foldFromStore, setupBank } from './helpers.js';

/**
 * The reproduction at 2^53: 901 deposits of 10^13 and one of 3, then withdrawals of 901 × 10^13 and one
 * of 4. With balances as plain numbers the 901st deposit made the balance 9.01 × 10^15 > 2^53, which the fold
 * rounded: the bank then believed 4 remained and paid a withdrawal of 4, leaving −1. The limit (2^53 − 1 minor
 * units) refuses the 901st deposit, so every sum stays exact, and the read models agree with the fold.
 */
const { bank } = await setupBank();

const refusal = async (request: Promise<unknown>): Promise<string> => {
  try {
    await request;
  } catch (error) {
    if (error instanceof BankError) return error.code;
    throw error;
  }
  return 'accepted';
};

describe('the bank at the 2^53 boundary', () => {
  it('refuses money in past 2^53 − 1 minor units, never pays more than it holds, and its views agree with the fold', async () => {
    const projector = await bank.startProjector();
    const { accountId } = await bank.openAccount({ customerName: 'Boundary Bea' });
    const other = await bank.openAccount({ customerName: 'Boundary Bo', initialDeposit: MAX_AMOUNT });
    // 900 deposits of 10^13 stored at once (as the deposit slice stores them), then the boundary through the slices.
    await bank.store.append(Array.from({ length: 900 }, (_, i) => deposited(accountId, MAX_AMOUNT, `seed-in-${i}`)));
    expect(await refusal(bank.deposit({ accountId, amount: MAX_AMOUNT, depositId: 'in-901' }))).toBe('BALANCE_LIMIT_EXCEEDED');
    expect(await refusal(bank.transfer({ fromAccountId: other.accountId, toAccountId: accountId, amount: MAX_AMOUNT, transferId: 'tr-in' }))).toBe(
      'BALANCE_LIMIT_EXCEEDED',
    );
    expect(await refusal(bank.deposit({ accountId, amount: 3, depositId: 'in-3' }))).toBe('accepted');
    expect((await foldFromStore(bank, accountId)).balance).toBe(900 * MAX_AMOUNT + 3);

    // Withdraw it all back: 899 stored at once, the last 10^13 through the slice; 3 remain, not 4.
    await bank.store.append(Array.from({ length: 899 }, (_, i) => withdrawn(accountId, MAX_AMOUNT, `seed-out-${i}`)));
    expect(await refusal(bank.withdraw({ accountId, amount: MAX_AMOUNT, withdrawalId: 'out-900' }))).toBe('accepted');
    expect(await refusal(bank.withdraw({ accountId, amount: 4, withdrawalId: 'out-4' }))).toBe('INSUFFICIENT_FUNDS');
    expect(await refusal(bank.withdraw({ accountId, amount: 3, withdrawalId: 'out-3' }))).toBe('accepted');

    const fold = await foldFromStore(bank, accountId);
    expect([fold.balance, fold.lowestBalance >= 0]).toEqual([0, true]);
    // Up to the limit exactly, through a transfer in: 2^53 − 1 is a balance the bank holds and shows exactly.
    await bank.store.append(Array.from({ length: 900 }, (_, i) => deposited(accountId, MAX_AMOUNT, `seed-again-${i}`)));
    const room = MAX_BALANCE - 900 * MAX_AMOUNT;
    expect(await refusal(bank.transfer({ fromAccountId: other.accountId, toAccountId: accountId, amount: room, transferId: 'tr-exact' }))).toBe('accepted');

    await projector.waitForCatchUp();
    const view = await bank.getAccount(accountId);
    const statement = await bank.getStatement(accountId);
    const asOfNow = await bank.getStatement(accountId, new Date(Date.now() + 60_000));
    expect(view.balance).toBe(MAX_BALANCE);
    expect(statement.balance).toBe(MAX_BALANCE);
    expect(asOfNow.balance).toBe(MAX_BALANCE);
    expect(statement.lines.map((line) => line.balanceAfter)).toEqual(asOfNow.lines.map((line) => line.balanceAfter));
    expect(Math.min(...statement.lines.map((line) => line.balanceAfter))).toBe(0);
    expect(Math.max(...statement.lines.map((line) => line.balanceAfter))).toBe(MAX_BALANCE);
    expect((await bank.getAccount(other.accountId)).balance).toBe(MAX_AMOUNT - room);
  });
});
