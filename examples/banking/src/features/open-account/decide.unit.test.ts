import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../../test/history.js';
import { InvalidInputError } from '../../domain/errors.js';
import { accountTag, customerTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT } from '../../domain/money.js';
import { checkCustomerName, decideOpenAccount } from './decide.js';
import type { OpenAccount } from './types.js';

const accountId = '3f6c1a52-8a34-4a4e-9d1e-5b7f0c2e9a10';

function refusedField(command: OpenAccount): string {
  const error = thrownBy(() => decideOpenAccount(command, accountId));
  expect(error).toBeInstanceOf(InvalidInputError);
  expect(error).toMatchObject({ code: 'INVALID_INPUT' });
  return error instanceof InvalidInputError ? error.field : '';
}

describe('decideOpenAccount', () => {
  it('opens a checking USD account with no initial deposit by default', () => {
    const { event, result } = decideOpenAccount({ customerName: 'Ada Lovelace' }, accountId);
    expect(result).toEqual({ accountId, customerName: 'Ada Lovelace', accountType: 'checking', currency: 'USD', initialDeposit: 0 });
    expect(event).toEqual({
      type: 'AccountOpened',
      id: operationEventId('open', accountId),
      data: result,
      tags: [accountTag(accountId), customerTag('Ada Lovelace')],
    });
  });

  it('keeps the given type, currency and initial deposit', () => {
    const { result } = decideOpenAccount({ customerName: 'Grace', accountType: 'savings', currency: 'JPY', initialDeposit: 5_000 }, accountId);
    expect(result).toMatchObject({ accountType: 'savings', currency: 'JPY', initialDeposit: 5_000 });
  });

  it('trims the name it stores, and tags it in the normalised form (case and spaces do not make another customer)', () => {
    const { event, result } = decideOpenAccount({ customerName: '  Ada   LOVELACE \n' }, accountId);
    expect(result.customerName).toBe('Ada   LOVELACE');
    expect(event.tags).toEqual([accountTag(accountId), 'customer:ada lovelace']);
    expect(customerTag('ada lovelace')).toBe(customerTag('  ADA  Lovelace '));
    // NFC and NFD spellings of one name are one customer.
    expect(customerTag('Jos\u00e9')).toBe(customerTag('Jose\u0301'));
  });

  it('allows a 100-character name and an initial deposit of exactly MAX_AMOUNT', () => {
    const name = 'x'.repeat(100);
    expect(decideOpenAccount({ customerName: name, initialDeposit: MAX_AMOUNT }, accountId).result.customerName).toBe(name);
  });

  it.each<[string, OpenAccount, string]>([
    ['an empty name', { customerName: '' }, 'customerName'],
    ['a blank name', { customerName: '   \t ' }, 'customerName'],
    ['a name over 100 characters', { customerName: 'x'.repeat(101) }, 'customerName'],
    ['a control character inside the name', { customerName: 'Ada\u0007Lovelace' }, 'customerName'],
    ['a tab inside the name', { customerName: 'Ada\tLovelace' }, 'customerName'],
    ['an unknown account type', { customerName: 'Ada', accountType: 'gold' as 'checking' }, 'accountType'],
    ['an unknown currency XYZ', { customerName: 'Ada', currency: 'XYZ' }, 'currency'],
    ['a lower-case currency usd', { customerName: 'Ada', currency: 'usd' }, 'currency'],
    ['a fractional initial deposit 1.5', { customerName: 'Ada', initialDeposit: 1.5 }, 'initialDeposit'],
    ['a negative initial deposit', { customerName: 'Ada', initialDeposit: -1 }, 'initialDeposit'],
    ['an initial deposit over MAX_AMOUNT', { customerName: 'Ada', initialDeposit: MAX_AMOUNT + 1 }, 'initialDeposit'],
  ])('refuses %s with InvalidInputError on the right field', (_label, command, field) => {
    expect(refusedField(command)).toBe(field);
  });

  it('refuses a name that is not a string (untyped input from JSON)', () => {
    const error = thrownBy(() => checkCustomerName(42));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error).toMatchObject({ field: 'customerName' });
  });
});
