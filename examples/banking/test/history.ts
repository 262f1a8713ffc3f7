import type { NewEvent, StoredEvent } from '@tally/eventstore';
import { storedEvents } from '@tally/eventstore/testing';
import { customerNameKey } from '../src/domain/customer-name.js';
import { accountTag, depositTag, transferTag, withdrawalTag, type AccountType, type BankEvent } from '../src/domain/events.js';

/**
 * The customer tag as a store without a tag secret would compute it (`customer:<customerNameKey>`): what unit
 * tests of decisions, which run without a store, use in place of `customerTag` (the store's keyed hash of the
 * same key): the decisions only compare tags, so the uniqueness rule is tested all the same.
 */
export const plainCustomerTag = (customerName: string): string => `customer:${customerNameKey(customerName)}`;

/**
 * Builders of the bank's events, tagged exactly as the slices tag them, for histories of unit tests
 * (`history(opened('a1'), deposited('a1', 500, 'd1'))`) and for seeding stores.
 */
export const opened = (
  accountId: string,
  options: { customerName?: string; currency?: string; initialDeposit?: number; accountType?: AccountType } = {},
): NewEvent<BankEvent> => {
  const customerName = options.customerName ?? `Customer ${accountId}`;
  return {
    type: 'AccountOpened',
    data: {
      accountId,
      customerName,
      accountType: options.accountType ?? 'checking',
      currency: options.currency ?? 'USD',
      initialDeposit: options.initialDeposit ?? 0,
    },
    tags: [accountTag(accountId), plainCustomerTag(customerName)],
  };
};

export const deposited = (accountId: string, amount: number, depositId: string): NewEvent<BankEvent> => ({
  type: 'MoneyDeposited',
  data: { accountId, amount, depositId },
  tags: [accountTag(accountId), depositTag(depositId)],
});

export const withdrawn = (accountId: string, amount: number, withdrawalId: string): NewEvent<BankEvent> => ({
  type: 'MoneyWithdrawn',
  data: { accountId, amount, withdrawalId },
  tags: [accountTag(accountId), withdrawalTag(withdrawalId)],
});

export const transferred = (fromAccountId: string, toAccountId: string, amount: number, transferId: string, currency = 'USD'): NewEvent<BankEvent> => ({
  type: 'MoneyTransferred',
  data: { transferId, fromAccountId, toAccountId, amount, currency },
  tags: [accountTag(fromAccountId), accountTag(toAccountId), transferTag(transferId)],
});

export const closed = (accountId: string): NewEvent<BankEvent> => ({ type: 'AccountClosed', data: { accountId }, tags: [accountTag(accountId)] });

/** The events as a read would return them (positions 1, 2, 3…). */
export const history = (...events: NewEvent<BankEvent>[]): StoredEvent<BankEvent>[] => storedEvents<BankEvent>(events);

/** What `fn` throws (fails when it returns normally): assert on it with `toBeInstanceOf` / `toMatchObject`. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, it returned normally');
}
