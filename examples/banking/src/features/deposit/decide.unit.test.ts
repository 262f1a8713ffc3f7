import { describe, expect, it } from 'vitest';
import { closed, deposited, history, opened, thrownBy, transferred, withdrawn } from '../../../test/history.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, depositTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT } from '../../domain/money.js';
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
  it('reads the account’s opening and closing and earlier tries of this deposit, not the balance', () => {
    expect(depositQuery(command)).toEqual([
      { types: ['AccountOpened', 'AccountClosed'], tags: ['account:a1'] },
      { types: ['MoneyDeposited'], tags: ['deposit:dep-1'] },
    ]);
  });

  it('is guarded only by the account closing: withdrawals, transfers and other deposits cannot make a deposit wrong', () => {
    expect(depositCondition(command)).toEqual([{ types: ['AccountClosed'], tags: ['account:a1'] }]);
    // The decision indeed does not depend on them: the same answer with or without other movements.
    const quiet = decideDeposit(command, history(opened('a1')));
    const busy = decideDeposit(command, history(opened('a1', { initialDeposit: 10 }), deposited('a1', 5, 'dep-0'), withdrawn('a1', 15, 'w-1'), opened('a2'), transferred('a2', 'a1', 1, 't-1')));
    expect(busy).toEqual(quiet);
  });
});
