import { describe, expect, it } from 'vitest';
import { thrownBy } from '../../test/history.js';
import { InvalidInputError } from './errors.js';
import { checkAmount, checkCurrency, formatMoney, MAX_AMOUNT, minorDigits } from './money.js';

/** The InvalidInputError `fn` throws (fails the test if it throws anything else, or nothing). */
function invalid(fn: () => unknown): InvalidInputError {
  const error = thrownBy(fn);
  if (!(error instanceof InvalidInputError)) throw new Error(`expected an InvalidInputError, got ${String(error)}`);
  return error;
}

describe('checkAmount', () => {
  it('accepts positive integers up to MAX_AMOUNT', () => {
    expect(checkAmount(1, 'amount')).toBe(1);
    expect(checkAmount(12_345, 'amount')).toBe(12_345);
    expect(checkAmount(MAX_AMOUNT, 'amount')).toBe(MAX_AMOUNT);
  });

  it.each([
    ['a fraction (1.5)', 1.5],
    ['zero', 0],
    ['a negative amount', -1],
    ['more than MAX_AMOUNT', MAX_AMOUNT + 1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an unsafe integer', 2 ** 53],
    ['a numeric string', '100'],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s with INVALID_INPUT on the named field', (_label, value) => {
    const error = invalid(() => checkAmount(value, 'amount'));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.field).toBe('amount');
    expect(error.details).toEqual({ field: 'amount' });
  });

  it('accepts zero only with allowZero, and still refuses negatives then', () => {
    expect(checkAmount(0, 'initialDeposit', { allowZero: true })).toBe(0);
    expect(invalid(() => checkAmount(-1, 'initialDeposit', { allowZero: true })).field).toBe('initialDeposit');
    expect(invalid(() => checkAmount(0, 'initialDeposit')).message).toMatch(/greater than zero/);
  });
});

describe('checkCurrency', () => {
  it('accepts ISO 4217 codes the runtime knows', () => {
    for (const code of ['USD', 'EUR', 'JPY', 'BHD', 'GBP']) expect(checkCurrency(code)).toBe(code);
  });

  it.each([
    ['an unknown code (XYZ)', 'XYZ'],
    ['lower case (usd)', 'usd'],
    ['mixed case (Usd)', 'Usd'],
    ['two letters', 'US'],
    ['four letters', 'USDD'],
    ['surrounding spaces', ' USD'],
    ['an empty string', ''],
    ['a number', 840],
  ])('refuses %s on field currency', (_label, value) => {
    expect(invalid(() => checkCurrency(value)).field).toBe('currency');
  });

  it('names the field it was given', () => {
    expect(invalid(() => checkCurrency('XYZ', 'targetCurrency')).field).toBe('targetCurrency');
  });
});

describe('minorDigits', () => {
  it('knows the usual minor units: USD 2, EUR 2, JPY 0, BHD 3', () => {
    expect(minorDigits('USD')).toBe(2);
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('BHD')).toBe(3);
  });
});

describe('formatMoney', () => {
  it('formats USD with two decimals and thousands separators', () => {
    expect(formatMoney(123_456, 'USD')).toBe('1,234.56 USD');
    expect(formatMoney(100, 'USD')).toBe('1.00 USD');
    expect(formatMoney(5, 'USD')).toBe('0.05 USD');
    expect(formatMoney(0, 'USD')).toBe('0.00 USD');
    expect(formatMoney(100_000_000, 'USD')).toBe('1,000,000.00 USD');
  });

  it('formats JPY without decimals', () => {
    expect(formatMoney(123_456, 'JPY')).toBe('123,456 JPY');
    expect(formatMoney(7, 'JPY')).toBe('7 JPY');
    expect(formatMoney(0, 'JPY')).toBe('0 JPY');
  });

  it('formats BHD with three decimals', () => {
    expect(formatMoney(1_234_567, 'BHD')).toBe('1,234.567 BHD');
    expect(formatMoney(5, 'BHD')).toBe('0.005 BHD');
    expect(formatMoney(1_000, 'BHD')).toBe('1.000 BHD');
  });

  it('puts the sign of negative amounts in front', () => {
    expect(formatMoney(-123_456, 'USD')).toBe('-1,234.56 USD');
    expect(formatMoney(-5, 'USD')).toBe('-0.05 USD');
    expect(formatMoney(-1_234, 'JPY')).toBe('-1,234 JPY');
    expect(formatMoney(-1_234_567, 'BHD')).toBe('-1,234.567 BHD');
  });

  it('is exact at MAX_AMOUNT (no floating point)', () => {
    expect(formatMoney(MAX_AMOUNT, 'USD')).toBe('100,000,000,000.00 USD');
    expect(formatMoney(MAX_AMOUNT + 1, 'USD')).toBe('100,000,000,000.01 USD');
  });
});
