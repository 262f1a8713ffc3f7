import { describe, expect, it } from 'vitest';
import { closed, deposited, history, opened, thrownBy, transferred, withdrawn } from '../../../test/history.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, transferTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../../domain/money.js';
import { checkTransfer, decideTransfer, transferCondition, transferQuery } from './decide.js';
import type { Transfer } from './types.js';

const command: Transfer = { fromAccountId: 'a1', toAccountId: 'a2', amount: 70, transferId: 't-1' };
const bothOpen = () => [opened('a1', { initialDeposit: 100 }), opened('a2')];

describe('decideTransfer', () => {
  it('appends one MoneyTransferred tagged with both accounts and the transfer, in the source’s currency', () => {
    expect(decideTransfer(command, history(...bothOpen()))).toEqual({
      kind: 'append',
      events: [
        {
          type: 'MoneyTransferred',
          id: operationEventId('transfer', 't-1'),
          data: { transferId: 't-1', fromAccountId: 'a1', toAccountId: 'a2', amount: 70, currency: 'USD' },
          tags: [accountTag('a1'), accountTag('a2'), transferTag('t-1')],
        },
      ],
      result: { transferId: 't-1', fromAccountId: 'a1', toAccountId: 'a2', amount: 70, currency: 'USD' },
    });
  });

  it('allows transferring exactly the balance', () => {
    expect(decideTransfer({ ...command, amount: 100 }, history(...bothOpen())).kind).toBe('append');
  });

  it('refuses an overdraft with INSUFFICIENT_FUNDS and the source’s balance', () => {
    const events = history(...bothOpen(), withdrawn('a1', 31, 'w-1'), deposited('a2', 1_000, 'd-1'));
    const error = thrownBy(() => decideTransfer(command, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { accountId: 'a1', balance: 69, amount: 70 } });
  });

  it('refuses accounts of different currencies with CURRENCY_MISMATCH', () => {
    const events = history(opened('a1', { initialDeposit: 100, currency: 'USD' }), opened('a2', { currency: 'EUR' }));
    const error = thrownBy(() => decideTransfer(command, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'CURRENCY_MISMATCH', details: { fromCurrency: 'USD', toCurrency: 'EUR' } });
  });

  it('refuses a closed target, and a closed source, with ACCOUNT_CLOSED', () => {
    const targetClosed = history(...bothOpen(), closed('a2'));
    expect(thrownBy(() => decideTransfer(command, targetClosed))).toMatchObject({ code: 'ACCOUNT_CLOSED', details: { accountId: 'a2' } });
    const sourceClosed = history(opened('a1'), opened('a2'), closed('a1'));
    expect(thrownBy(() => decideTransfer(command, sourceClosed))).toMatchObject({ code: 'ACCOUNT_CLOSED', details: { accountId: 'a1' } });
  });

  it('refuses an unknown source or target with AccountNotFoundError naming it', () => {
    const noTarget = thrownBy(() => decideTransfer(command, history(opened('a1', { initialDeposit: 100 }))));
    expect(noTarget).toBeInstanceOf(AccountNotFoundError);
    expect(noTarget).toMatchObject({ accountId: 'a2' });
    const noSource = thrownBy(() => decideTransfer(command, history(opened('a2'))));
    expect(noSource).toBeInstanceOf(AccountNotFoundError);
    expect(noSource).toMatchObject({ accountId: 'a1' });
  });

  it('replays a transfer id already applied with the same details, even when the source could not pay it again', () => {
    const events = history(...bothOpen(), transferred('a1', 'a2', 70, 't-1'));
    expect(decideTransfer(command, events)).toEqual({
      kind: 'replay',
      result: { transferId: 't-1', fromAccountId: 'a1', toAccountId: 'a2', amount: 70, currency: 'USD' },
    });
  });

  it('refuses the same transfer id with another amount, source or target with OPERATION_ID_REUSED', () => {
    for (const earlier of [transferred('a1', 'a2', 71, 't-1'), transferred('a1', 'a3', 70, 't-1'), transferred('a3', 'a2', 70, 't-1')]) {
      const events = history(...bothOpen(), opened('a3', { initialDeposit: 100 }), earlier);
      const error = thrownBy(() => decideTransfer(command, events));
      expect(error).toBeInstanceOf(RuleViolationError);
      expect(error).toMatchObject({ code: 'OPERATION_ID_REUSED', details: { transferId: 't-1' } });
    }
  });
});

describe('checkTransfer', () => {
  it('refuses a transfer to the same account (InvalidInputError on toAccountId)', () => {
    const error = thrownBy(() => checkTransfer({ ...command, toAccountId: 'a1' }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ code: 'INVALID_INPUT', field: 'toAccountId' });
  });

  it.each<[string, Transfer, string]>([
    ['amount 1.5', { ...command, amount: 1.5 }, 'amount'],
    ['amount 0', { ...command, amount: 0 }, 'amount'],
    ['a negative amount', { ...command, amount: -1 }, 'amount'],
    ['an amount over MAX_AMOUNT', { ...command, amount: MAX_AMOUNT + 1 }, 'amount'],
    ['a bad source id', { ...command, fromAccountId: 'a 1' }, 'fromAccountId'],
    ['a bad target id', { ...command, toAccountId: '' }, 'toAccountId'],
    ['a bad transfer id', { ...command, transferId: 't:1' }, 'transferId'],
  ])('refuses %s with InvalidInputError on the right field', (_label, bad, field) => {
    const error = thrownBy(() => checkTransfer(bad));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field });
  });
});

describe('transfer query and condition', () => {
  it('reads both accounts’ whole histories (their balances) and earlier tries of this transfer', () => {
    expect(transferQuery(command)).toEqual([{ tags: ['account:a1'] }, { tags: ['account:a2'] }, { types: ['MoneyTransferred'], tags: ['transfer:t-1'] }]);
  });

  it('is guarded by money leaving the source, either account closing and money reaching the target, not by money into the source', () => {
    const condition = transferCondition(command);
    expect(condition).toEqual([
      { types: ['MoneyWithdrawn', 'AccountClosed'], tags: ['account:a1'] },
      { types: ['MoneyTransferred'], tags: ['account:a1'], data: { fromAccountId: 'a1' } },
      { types: ['AccountClosed', 'MoneyDeposited'], tags: ['account:a2'] },
      { types: ['MoneyTransferred'], tags: ['account:a2'], data: { toAccountId: 'a2' } },
    ]);
    expect(condition.filter((item) => item.tags?.includes('account:a1')).flatMap((item) => item.types ?? [])).not.toContain('MoneyDeposited');
  });
});

describe('the balance limit on the target (2^53 − 1 minor units)', () => {
  it('refuses a transfer that would take the target past MAX_BALANCE with BALANCE_LIMIT_EXCEEDED; up to it is accepted', () => {
    const target = [opened('a2')];
    for (let i = 0; i < 900; i++) target.push(deposited('a2', MAX_AMOUNT, `seed-${i}`));
    const room = MAX_BALANCE - 900 * MAX_AMOUNT;
    const events = history(opened('a1', { initialDeposit: MAX_AMOUNT }), ...target);
    expect(decideTransfer({ ...command, amount: room }, events).kind).toBe('append');
    const error = thrownBy(() => decideTransfer({ ...command, amount: room + 1 }, events));
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'BALANCE_LIMIT_EXCEEDED', details: { accountId: 'a2', balance: 900 * MAX_AMOUNT, amount: room + 1 } });
  });
});
