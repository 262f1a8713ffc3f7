import { describe, expect, it } from 'vitest';
import { closed, deposited, history, opened, thrownBy, transferred, withdrawn } from '../../../test/history.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, withdrawalTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT } from '../../domain/money.js';
import { checkWithdraw, decideWithdraw, withdrawCondition, withdrawQuery } from './decide.js';
import type { Withdraw } from './types.js';

const withdraw60: Withdraw = { accountId: 'a1', amount: 60, withdrawalId: 'w-1' };

describe('decideWithdraw', () => {
  it('appends one MoneyWithdrawn with the id derived from the withdrawal id when the balance covers it', () => {
    const decision = decideWithdraw(withdraw60, history(opened('a1', { initialDeposit: 100 })));
    expect(decision).toEqual({
      kind: 'append',
      events: [
        {
          type: 'MoneyWithdrawn',
          id: operationEventId('withdrawal', 'w-1'),
          data: { accountId: 'a1', amount: 60, withdrawalId: 'w-1' },
          tags: [accountTag('a1'), withdrawalTag('w-1')],
        },
      ],
      result: { accountId: 'a1', withdrawalId: 'w-1', amount: 60, currency: 'USD' },
    });
  });

  it('allows withdrawing exactly the balance (down to zero)', () => {
    const events = history(opened('a1', { initialDeposit: 10 }), deposited('a1', 50, 'd-1'));
    expect(decideWithdraw(withdraw60, events).kind).toBe('append');
  });

  it('refuses an overdraft with INSUFFICIENT_FUNDS, reporting the balance and the amount', () => {
    const events = history(opened('a1', { initialDeposit: 100 }), withdrawn('a1', 60, 'w-0'));
    const error = thrownBy(() => decideWithdraw(withdraw60, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { accountId: 'a1', balance: 40, amount: 60 } });
    expect(error).toHaveProperty('message', 'cannot withdraw 0.60 USD: the balance is 0.40 USD');
  });

  it('counts every movement in the balance: deposits, withdrawals, transfers in and out', () => {
    const events = history(
      opened('a1', { initialDeposit: 100 }),
      opened('a2', { initialDeposit: 500 }),
      deposited('a1', 30, 'd-1'),
      withdrawn('a1', 20, 'w-0'),
      transferred('a2', 'a1', 15, 't-1'),
      transferred('a1', 'a2', 66, 't-2'),
    );
    // 100 + 30 - 20 + 15 - 66 = 59
    expect(thrownBy(() => decideWithdraw(withdraw60, events))).toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { balance: 59 } });
    expect(decideWithdraw({ ...withdraw60, amount: 59 }, events).kind).toBe('append');
  });

  it('refuses a closed account with ACCOUNT_CLOSED', () => {
    const events = history(opened('a1', { initialDeposit: 0 }), closed('a1'));
    expect(thrownBy(() => decideWithdraw(withdraw60, events))).toMatchObject({ code: 'ACCOUNT_CLOSED' });
  });

  it('refuses an unknown account with AccountNotFoundError', () => {
    const error = thrownBy(() => decideWithdraw(withdraw60, history()));
    expect(error).toBeInstanceOf(AccountNotFoundError);
    expect(error).toMatchObject({ accountId: 'a1' });
  });

  it('replays a withdrawal id already applied with the same details, even if the balance would no longer cover it', () => {
    const events = history(opened('a1', { initialDeposit: 100 }), withdrawn('a1', 60, 'w-1'));
    expect(decideWithdraw(withdraw60, events)).toEqual({
      kind: 'replay',
      result: { accountId: 'a1', withdrawalId: 'w-1', amount: 60, currency: 'USD' },
    });
  });

  it('refuses the same withdrawal id with another amount or account with OPERATION_ID_REUSED', () => {
    const otherAmount = history(opened('a1', { initialDeposit: 100 }), withdrawn('a1', 61, 'w-1'));
    const otherAccount = history(opened('a1', { initialDeposit: 100 }), opened('a2', { initialDeposit: 100 }), withdrawn('a2', 60, 'w-1'));
    for (const events of [otherAmount, otherAccount]) {
      const error = thrownBy(() => decideWithdraw(withdraw60, events));
      expect(error).toBeInstanceOf(RuleViolationError);
      expect(error).toMatchObject({ code: 'OPERATION_ID_REUSED', details: { withdrawalId: 'w-1' } });
    }
  });
});

describe('checkWithdraw', () => {
  it.each<[string, Withdraw, string]>([
    ['amount 1.5', { ...withdraw60, amount: 1.5 }, 'amount'],
    ['amount 0', { ...withdraw60, amount: 0 }, 'amount'],
    ['a negative amount', { ...withdraw60, amount: -60 }, 'amount'],
    ['an amount over MAX_AMOUNT', { ...withdraw60, amount: MAX_AMOUNT + 1 }, 'amount'],
    ['a bad account id', { ...withdraw60, accountId: 'a1;drop' }, 'accountId'],
    ['an empty withdrawal id', { ...withdraw60, withdrawalId: '' }, 'withdrawalId'],
    ['a withdrawal id of 65 characters', { ...withdraw60, withdrawalId: 'w'.repeat(65) }, 'withdrawalId'],
  ])('refuses %s with InvalidInputError on the right field', (_label, bad, field) => {
    const error = thrownBy(() => checkWithdraw(bad));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it('accepts 64-character ids and UUIDs', () => {
    const ok = { accountId: 'a'.repeat(64), amount: 1, withdrawalId: '0b8e3c57-2d7a-4f0e-b6a1-1c5d9e7f3a20' };
    expect(checkWithdraw(ok)).toEqual(ok);
  });
});

describe('withdraw query and condition', () => {
  it('reads the whole account (for the balance) and earlier tries of this withdrawal', () => {
    expect(withdrawQuery(withdraw60)).toEqual([{ tags: ['account:a1'] }, { types: ['MoneyWithdrawn'], tags: ['withdrawal:w-1'] }]);
  });

  it('is guarded by money leaving (withdrawals, outgoing transfers) and closing, not by MoneyDeposited or incoming transfers, which only raise the balance', () => {
    const condition = withdrawCondition(withdraw60);
    expect(condition).toEqual([
      { types: ['MoneyWithdrawn', 'AccountClosed'], tags: ['account:a1'] },
      { types: ['MoneyTransferred'], tags: ['account:a1'], data: { fromAccountId: 'a1' } },
    ]);
    expect(condition.flatMap((item) => item.types ?? [])).not.toContain('MoneyDeposited');
    expect(condition.every((item) => item.types !== undefined)).toBe(true);
  });
});
