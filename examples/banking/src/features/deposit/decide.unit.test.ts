import { describe, expect, it } from 'vitest';
import { closed, deposited, history, opened, thrownBy, transferred, withdrawn } from '../../../test/history.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, depositTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../../domain/money.js';
import { checkDeposit, decideDeposit, depositCondition, depositQuery } from './decide.js';
import type { Deposit } from './types.js';

const command: Deposit = { accountId: 'a1', amount: 250, depositId: 'dep-1' };

describe('decideDeposit', () => {
  it('appends one MoneyDeposited with the id derived from the deposit id, tagged with account and deposit', () => {
    const decision = decideDeposit(command, history(opened('a1', { currency: 'EUR' })));
    expect(decision).toEqual({
      kind: 'append',
      events: [
        {
          type: 'MoneyDeposited',
          id: operationEventId('deposit', 'dep-1'),
          data: { accountId: 'a1', amount: 250, depositId: 'dep-1' },
          tags: [accountTag('a1'), depositTag('dep-1')],
        },
      ],
      result: { accountId: 'a1', depositId: 'dep-1', amount: 250, currency: 'EUR' },
    });
  });

  it('refuses an unknown account with AccountNotFoundError', () => {
    const error = thrownBy(() => decideDeposit(command, history(opened('a2'))));
    expect(error).toBeInstanceOf(AccountNotFoundError);
    expect(error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', accountId: 'a1' });
  });

  it('refuses a closed account with ACCOUNT_CLOSED', () => {
    const error = thrownBy(() => decideDeposit(command, history(opened('a1'), closed('a1'))));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'ACCOUNT_CLOSED', details: { accountId: 'a1' } });
  });

  it('replays a deposit id already applied with the same details (nothing to append), even after the account closed', () => {
    const events = history(opened('a1'), deposited('a1', 250, 'dep-1'), withdrawn('a1', 250, 'w-1'), closed('a1'));
    expect(decideDeposit(command, events)).toEqual({ kind: 'replay', result: { accountId: 'a1', depositId: 'dep-1', amount: 250, currency: 'USD' } });
  });

  it('refuses the same deposit id with another amount or another account with OPERATION_ID_REUSED', () => {
    for (const events of [
      history(opened('a1'), deposited('a1', 999, 'dep-1')),
      history(opened('a1'), opened('a2'), deposited('a2', 250, 'dep-1')),
    ]) {
      const error = thrownBy(() => decideDeposit(command, events));
      expect(error).toBeInstanceOf(RuleViolationError);
      expect(error).toMatchObject({ code: 'OPERATION_ID_REUSED', details: { depositId: 'dep-1' } });
    }
  });

  it('another deposit id on the same account is a new deposit', () => {
    expect(decideDeposit(command, history(opened('a1'), deposited('a1', 250, 'dep-0'))).kind).toBe('append');
  });
});

describe('checkDeposit', () => {
  it('returns the checked command', () => {
    expect(checkDeposit(command)).toEqual(command);
  });

  it.each<[string, Deposit, string]>([
    ['amount 1.5', { ...command, amount: 1.5 }, 'amount'],
    ['amount 0', { ...command, amount: 0 }, 'amount'],
    ['a negative amount', { ...command, amount: -250 }, 'amount'],
    ['an amount over MAX_AMOUNT', { ...command, amount: MAX_AMOUNT + 1 }, 'amount'],
    ['an empty account id', { ...command, accountId: '' }, 'accountId'],
    ['an account id with a space', { ...command, accountId: 'a 1' }, 'accountId'],
    ['an account id of 65 characters', { ...command, accountId: 'a'.repeat(65) }, 'accountId'],
    ['an empty deposit id', { ...command, depositId: '' }, 'depositId'],
    ['a deposit id with a slash', { ...command, depositId: 'dep/1' }, 'depositId'],
    ['a deposit id with a non-ASCII letter', { ...command, depositId: 'dépôt' }, 'depositId'],
  ])('refuses %s with InvalidInputError on the right field', (_label, bad, field) => {
    const error = thrownBy(() => checkDeposit(bad));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
  });
});

describe('deposit query and condition', () => {
  it('reads the account’s whole history (its balance) and earlier tries of this deposit', () => {
    expect(depositQuery(command)).toEqual([{ tags: ['account:a1'] }, { types: ['MoneyDeposited'], tags: ['deposit:dep-1'] }]);
  });

  it('is guarded by the account closing and by other money in (which could take the balance past the limit), not by money out', () => {
    expect(depositCondition(command)).toEqual([
      { types: ['AccountClosed', 'MoneyDeposited'], tags: ['account:a1'] },
      { types: ['MoneyTransferred'], tags: ['account:a1'], data: { toAccountId: 'a1' } },
    ]);
    // Money out does not change the answer: the same with or without withdrawals and outgoing transfers.
    const quiet = decideDeposit(command, history(opened('a1', { initialDeposit: 20 })));
    const busy = decideDeposit(command, history(opened('a1', { initialDeposit: 20 }), withdrawn('a1', 15, 'w-1'), opened('a2'), transferred('a1', 'a2', 1, 't-1')));
    expect(busy).toEqual(quiet);
  });
});

describe('the balance limit (2^53 − 1 minor units)', () => {
  /** An account a1 holding `balance`, built from deposits of at most MAX_AMOUNT. */
  const holding = (balance: number) => {
    const events = [opened('a1')];
    for (let left = balance, i = 0; left > 0; left -= MAX_AMOUNT, i++) events.push(deposited('a1', Math.min(left, MAX_AMOUNT), `seed-${i}`));
    return events;
  };

  it('accepts a deposit that takes the balance to exactly MAX_BALANCE', () => {
    const events = history(...holding(MAX_BALANCE - 5));
    expect(decideDeposit({ ...command, amount: 5 }, events).kind).toBe('append');
  });

  it('refuses one minor unit more with BALANCE_LIMIT_EXCEEDED, naming the balance and the limit', () => {
    const events = history(...holding(MAX_BALANCE - 5));
    const error = thrownBy(() => decideDeposit({ ...command, amount: 6 }, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'BALANCE_LIMIT_EXCEEDED', details: { accountId: 'a1', balance: MAX_BALANCE - 5, amount: 6, limit: MAX_BALANCE } });
  });

  it('refuses the 901st deposit of 10^13 (the balance would be 9.01 × 10^15 > 2^53), so no balance is ever rounded', () => {
    const events = history(...holding(900 * MAX_AMOUNT));
    expect(thrownBy(() => decideDeposit({ ...command, amount: MAX_AMOUNT }, events))).toMatchObject({ code: 'BALANCE_LIMIT_EXCEEDED' });
    expect(decideDeposit({ ...command, amount: 3 }, events).kind).toBe('append');
  });
});
