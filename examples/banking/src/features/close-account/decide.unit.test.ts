import { describe, expect, it } from 'vitest';
import { closed, deposited, history, opened, thrownBy, transferred, withdrawn } from '../../../test/history.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { checkCloseAccount, closeQuery, decideCloseAccount } from './decide.js';

const command = { accountId: 'a1' };

describe('decideCloseAccount', () => {
  it('closes an open account whose balance is zero, with an id derived from the account id', () => {
    const events = history(opened('a1', { initialDeposit: 100 }), withdrawn('a1', 100, 'w-1'));
    expect(decideCloseAccount(command, events)).toEqual({
      kind: 'append',
      events: [{ type: 'AccountClosed', id: operationEventId('close', 'a1'), data: { accountId: 'a1' }, tags: [accountTag('a1')] }],
      result: { accountId: 'a1' },
    });
  });

  it('refuses a non-zero balance with BALANCE_NOT_ZERO and the balance', () => {
    const events = history(opened('a1', { currency: 'EUR' }), deposited('a1', 1_234, 'd-1'));
    const error = thrownBy(() => decideCloseAccount(command, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'BALANCE_NOT_ZERO', details: { accountId: 'a1', balance: 1_234 } });
    expect(error).toHaveProperty('message', expect.stringContaining('12.34 EUR'));
  });

  it('counts transfers in the balance: money received since must be moved out first', () => {
    const events = history(opened('a1'), opened('a2', { initialDeposit: 10 }), transferred('a2', 'a1', 10, 't-1'));
    expect(thrownBy(() => decideCloseAccount(command, events))).toMatchObject({ code: 'BALANCE_NOT_ZERO', details: { balance: 10 } });
    const emptied = history(opened('a1'), opened('a2', { initialDeposit: 10 }), transferred('a2', 'a1', 10, 't-1'), transferred('a1', 'a2', 10, 't-2'));
    expect(decideCloseAccount(command, emptied).kind).toBe('append');
  });

  it('closing an already closed account is a replay of the first close', () => {
    expect(decideCloseAccount(command, history(opened('a1'), closed('a1')))).toEqual({ kind: 'replay', result: { accountId: 'a1' } });
  });

  it('refuses an unknown account with AccountNotFoundError', () => {
    const error = thrownBy(() => decideCloseAccount(command, history(opened('a2'))));
    expect(error).toBeInstanceOf(AccountNotFoundError);
    expect(error).toMatchObject({ code: 'ACCOUNT_NOT_FOUND', accountId: 'a1' });
  });
});

describe('checkCloseAccount', () => {
  it.each(['', 'a/1', 'x'.repeat(65), 'ä1'])('refuses account id %j on field accountId', (accountId) => {
    const error = thrownBy(() => checkCloseAccount({ accountId }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'accountId' });
  });
});

describe('close query and condition', () => {
  it('reads, and is guarded by, every event of the account: any movement since the read changes the balance', () => {
    expect(closeQuery(command)).toEqual([{ tags: ['account:a1'] }]);
  });
});
