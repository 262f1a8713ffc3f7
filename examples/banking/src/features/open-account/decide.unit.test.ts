import { describe, expect, it } from 'vitest';
import { history, plainCustomerTag, thrownBy } from '../../../test/history.js';
import { decideFrom } from '../../domain/decision.js';
import { InvalidInputError } from '../../domain/errors.js';
import { accountTag } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { MAX_AMOUNT } from '../../domain/money.js';
import { checkCustomerName, decideOpenAccount as decideWithTag, openAccountDecision, type Opening } from './decide.js';
import type { OpenAccount } from './types.js';

const accountId = '3f6c1a52-8a34-4a4e-9d1e-5b7f0c2e9a10';

/** The opening with the name's tag as `plainCustomerTag` computes it (the shell asks the store for a keyed one). */
const decideOpenAccount = (command: OpenAccount, id: string): Opening =>
  decideWithTag(command, id, typeof command.customerName === 'string' ? plainCustomerTag(command.customerName) : 'customer:');

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
      tags: [accountTag(accountId), plainCustomerTag('Ada Lovelace')],
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
    expect(plainCustomerTag('ada lovelace')).toBe(plainCustomerTag('  ADA  Lovelace '));
    // NFC and NFD spellings of one name are one customer.
    expect(plainCustomerTag('Jos\u00e9')).toBe(plainCustomerTag('Jose\u0301'));
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
    ['a lone surrogate', { customerName: '\ud800' }, 'customerName'],
    ['a lone surrogate inside the name', { customerName: 'Ada \udfff Lovelace' }, 'customerName'],
    ['only invisible characters', { customerName: '\u200b\u00ad' }, 'customerName'],
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

describe('openAccountDecision', () => {
  const opening = decideOpenAccount({ customerName: 'Ada Lovelace', initialDeposit: 100 }, 'acct-1');
  const stored = (o: Opening) => ({ ...o.event, id: operationEventId('open', o.result.accountId) });

  it('opens when neither the name nor the account id is taken', () => {
    expect(decideFrom(openAccountDecision, opening, history())).toEqual({ kind: 'append', events: [opening.event], result: opening.result });
  });

  it('answers the very same opening, already stored, as a replay', () => {
    expect(decideFrom(openAccountDecision, opening, history(stored(opening)))).toEqual({ kind: 'replay', result: opening.result });
  });

  it('refuses a name another account has with DUPLICATE_CUSTOMER_NAME', () => {
    const other = decideOpenAccount({ customerName: 'ADA  lovelace' }, 'acct-2');
    const error = thrownBy(() => decideFrom(openAccountDecision, opening, history(stored(other))));
    expect(error).toMatchObject({ code: 'DUPLICATE_CUSTOMER_NAME', details: { customerName: 'Ada Lovelace' } });
  });

  it.each([
    ['full-width letters', 'Ｊｏｈｎ Ｓｍｉｔｈ'],
    ['a Cyrillic Ј', '\u0408ohn Smith'],
    ['a Greek ο', 'J\u03bfhn Smith'],
    ['a zero-width space', 'Jo\u200bhn Smith'],
    ['a soft hyphen', 'Jo\u00adhn Smith'],
    ['a zero-width joiner and a no-break space', 'John\u200d\u00a0Smith'],
    ['mathematical bold letters', '\u{1d409}\u{1d428}\u{1d421}\u{1d427} Smith'],
    ['a digit zero for the o', 'J0hn SMITH'],
  ])('refuses a name that looks like one taken (%s) with DUPLICATE_CUSTOMER_NAME', (_label, name) => {
    const john = decideOpenAccount({ customerName: 'John Smith' }, 'acct-john');
    const lookalike = decideOpenAccount({ customerName: name }, 'acct-2');
    expect(lookalike.event.tags).toEqual(john.event.tags?.map((tag) => (tag === accountTag('acct-john') ? accountTag('acct-2') : tag)));
    const error = thrownBy(() => decideFrom(openAccountDecision, lookalike, history(stored(john))));
    expect(error).toMatchObject({ code: 'DUPLICATE_CUSTOMER_NAME' });
  });

  it('keeps names apart that a person tells apart: accents, other letters', () => {
    expect(plainCustomerTag('Chloé Zhao')).not.toBe(plainCustomerTag('Chloe Zhao'));
    expect(plainCustomerTag('John Smith')).not.toBe(plainCustomerTag('Joan Smith'));
  });

  it('refuses the account id opened with other details with OPERATION_ID_REUSED, before looking at the name (as the store checks ids first)', () => {
    const changed = decideOpenAccount({ customerName: 'Ada Lovelace', initialDeposit: 200 }, 'acct-1');
    expect(thrownBy(() => decideFrom(openAccountDecision, changed, history(stored(opening))))).toMatchObject({ code: 'OPERATION_ID_REUSED', details: { accountId: 'acct-1' } });
    // The id was used for another name, and this request's name belongs to a third account: still the id.
    const grace = decideOpenAccount({ customerName: 'Grace Hopper' }, 'acct-1');
    const graceElsewhere = decideOpenAccount({ customerName: 'Grace Hopper' }, 'acct-3');
    expect(thrownBy(() => decideFrom(openAccountDecision, grace, history(stored(opening), stored(graceElsewhere))))).toMatchObject({ code: 'OPERATION_ID_REUSED' });
  });

  it('reads the name’s tag and an opening under the account id, and is guarded by the name’s tag only', () => {
    expect(openAccountDecision.query(opening)).toEqual([{ tags: [plainCustomerTag('Ada Lovelace')] }, { types: ['AccountOpened'], tags: [accountTag('acct-1')] }]);
    expect(openAccountDecision.condition?.(opening)).toEqual([{ tags: [plainCustomerTag('Ada Lovelace')] }]);
  });
});
