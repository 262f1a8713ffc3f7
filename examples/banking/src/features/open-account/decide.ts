import type { NewEvent } from '@tally/eventstore';
import { InvalidInputError } from '../../domain/errors.js';
import { accountTag, customerTag, type AccountType, type BankEvent } from '../../domain/events.js';
import { operationEventId } from '../../domain/ids.js';
import { checkAmount, checkCurrency } from '../../domain/money.js';
import type { AccountOpenedResult, OpenAccount } from './types.js';

const accountTypes: readonly AccountType[] = ['checking', 'savings'];

/** Checks a customer name: 1–100 characters once trimmed, no control characters. */
export function checkCustomerName(value: unknown): string {
  if (typeof value !== 'string') throw new InvalidInputError('customerName', 'customerName must be a string');
  const name = value.normalize('NFC').trim();
  const length = [...name].length; // characters, not UTF-16 code units
  if (length === 0 || length > 100) throw new InvalidInputError('customerName', 'customerName must be 1 to 100 characters');
  if (/\p{Cc}/u.test(name)) throw new InvalidInputError('customerName', 'customerName must not contain control characters');
  return name;
}

/**
 * Opening needs no read: the name's uniqueness is the append condition "no event with this customer tag
 * exists", checked atomically by the store (see `openAccount`).
 */
export function decideOpenAccount(command: OpenAccount, accountId: string): { event: NewEvent<BankEvent>; result: AccountOpenedResult } {
  const customerName = checkCustomerName(command.customerName);
  const accountType = command.accountType ?? 'checking';
  if (!accountTypes.includes(accountType)) {
    throw new InvalidInputError('accountType', `accountType must be one of ${accountTypes.join(', ')}, got ${JSON.stringify(accountType)}`);
  }
  const currency = checkCurrency(command.currency ?? 'USD');
  const initialDeposit = checkAmount(command.initialDeposit ?? 0, 'initialDeposit', { allowZero: true });
  const result = { accountId, customerName, accountType, currency, initialDeposit };
  return {
    event: { type: 'AccountOpened', id: operationEventId('open', accountId), data: result, tags: [accountTag(accountId), customerTag(customerName)] },
    result,
  };
}
