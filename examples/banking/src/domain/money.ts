import { InvalidInputError, RuleViolationError } from './errors.js';

/** Largest amount one operation may move, in minor units (10^13 = 100 billion in a two-decimal currency). */
export const MAX_AMOUNT = 10_000_000_000_000;

/**
 * Largest balance an account may hold, in minor units: 2^53 − 1, the largest integer a JavaScript number (and
 * so a JSON number read by most clients) holds exactly. The decisions refuse any deposit or incoming transfer
 * that would take a balance past it ({@link checkBalanceLimit}), so every balance, running balance and sum of
 * movements the bank computes is an exact integer; the read models store them as `bigint`.
 */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;

/**
 * Refuses money in that would take `balance` past {@link MAX_BALANCE}.
 * @throws {RuleViolationError} BALANCE_LIMIT_EXCEEDED
 */
export function checkBalanceLimit(accountId: string, balance: number, amount: number, currency: string): void {
  if (amount > MAX_BALANCE - balance) {
    throw new RuleViolationError(
      'BALANCE_LIMIT_EXCEEDED',
      `cannot add ${formatMoney(amount, currency)}: the balance of ${formatMoney(balance, currency)} would pass the limit of ${formatMoney(MAX_BALANCE, currency)}`,
      { accountId, balance, amount, limit: MAX_BALANCE },
    );
  }
}

/** Checks an amount in minor units: a positive integer (or ≥ 0 when `allowZero`) no larger than MAX_AMOUNT. */
export function checkAmount(value: unknown, field: string, { allowZero = false } = {}): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(field, `${field} must be an integer number of minor units (cents), got ${JSON.stringify(value)}`);
  }
  if (value < 0 || (value === 0 && !allowZero)) {
    throw new InvalidInputError(field, `${field} must be ${allowZero ? 'zero or more' : 'greater than zero'}, got ${value}`);
  }
  if (value > MAX_AMOUNT) throw new InvalidInputError(field, `${field} must be at most ${MAX_AMOUNT}, got ${value}`);
  return value;
}

const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Checks an ISO 4217 currency code (upper case, three letters, one the runtime knows). */
export function checkCurrency(value: unknown, field = 'currency'): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value) || !currencies.has(value)) {
    throw new InvalidInputError(field, `${field} must be an ISO 4217 code such as USD or EUR, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Digits after the decimal point in the currency's usual notation (USD 2, JPY 0, BHD 3). */
export function minorDigits(currency: string): number {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** Formats minor units as text without floating point: 123456 USD → "1,234.56 USD". */
export function formatMoney(minorUnits: number, currency: string): string {
  const digits = minorDigits(currency);
  const sign = minorUnits < 0 ? '-' : '';
  const text = String(Math.abs(minorUnits)).padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : '';
  return `${sign}${whole}${fraction} ${currency}`;
}

/**
 * Parses an amount a person typed ("12.34", "1,000", "5") into minor units of `currency`, with string
 * arithmetic only: "0.1" USD is 10 cents exactly. @throws {InvalidInputError}
 */
export function parseAmount(text: string, currency: string, field = 'amount'): number {
  const digits = minorDigits(currency);
  if (/^\s*-/.test(text)) throw new InvalidInputError(field, `${field} must be greater than zero, got "${text}"`);
  const match = /^(\d{1,3}(?:,\d{3})*|\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new InvalidInputError(field, `${field} must be a number such as 12.34, got "${text}"`);
  const whole = (match[1] ?? '0').replaceAll(',', '');
  const fraction = match[2] ?? '';
  if (fraction.length > digits) {
    throw new InvalidInputError(field, `${currency} amounts have ${digits} decimal${digits === 1 ? '' : 's'}, got "${text}"`);
  }
  return checkAmount(Number(whole + fraction.padEnd(digits, '0')), field);
}
