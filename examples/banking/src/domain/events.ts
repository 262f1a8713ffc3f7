import type { Erasable, PersonalDataMap } from '@tally/eventstore';
import { customerNameKey } from './customer-name.js';

// #region events

/**
 * The bank's events: the only thing it stores. Amounts are integers in the currency's minor units (cents).
 * Tags make the few events a decision needs cheap to find, and are what the append condition locks on.
 */
export type AccountType = 'checking' | 'savings';

export type AccountOpened = {
  type: 'AccountOpened';
  /** `customerName` is personal data: stored encrypted, `Erased` once the account's customer is erased. */
  data: { accountId: string; customerName: Erasable<string>; accountType: AccountType; currency: string; initialDeposit: number };
};
export type MoneyDeposited = { type: 'MoneyDeposited'; data: { accountId: string; amount: number; depositId: string } };
export type MoneyWithdrawn = { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number; withdrawalId: string } };
export type MoneyTransferred = {
  type: 'MoneyTransferred';
  data: { transferId: string; fromAccountId: string; toAccountId: string; amount: number; currency: string };
};
export type AccountClosed = { type: 'AccountClosed'; data: { accountId: string } };

export type BankEvent = AccountOpened | MoneyDeposited | MoneyWithdrawn | MoneyTransferred | AccountClosed;

/** Every event about an account carries this tag (a transfer carries both accounts' tags). */
export const accountTag = (accountId: string) => `account:${accountId}`;

/** What computes keyed tags: the bank's store (`store.keyedTag`). */
export interface KeyedTagger {
  keyedTag(prefix: string, value: string): Promise<string>;
}

/**
 * The tag that makes a customer name unique: names that look alike (case, spacing, compatibility forms,
 * invisible characters, confusable letters from other scripts) have one tag. The rule is `customerNameKey`;
 * the tag is a keyed hash of that key (`store.keyedTag`), so it reveals nothing of the name, outlives an
 * erasure without giving the name away, and still makes the uniqueness condition work.
 */
export const customerTag = (tagger: KeyedTagger, customerName: string): Promise<string> => tagger.keyedTag('customer', customerNameKey(customerName));

// #region bank-personal-data
/**
 * The bank's personal data: the customer's name, stored encrypted under a key of the account (the subject is
 * the account id: one customer per account). `bank.eraseCustomer(accountId)` destroys that key.
 */
export const bankPersonalData: PersonalDataMap<BankEvent> = {
  AccountOpened: { subject: (data) => data.accountId, fields: ['customerName'] },
};
// #endregion bank-personal-data

/** Operation tags: finding a retried request's earlier outcome is one index lookup. */
export const depositTag = (depositId: string) => `deposit:${depositId}`;
export const withdrawalTag = (withdrawalId: string) => `withdrawal:${withdrawalId}`;
export const transferTag = (transferId: string) => `transfer:${transferId}`;

/** Every event type of the bank: what a projection over all of them reads. */
export const bankEventTypes = ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn', 'MoneyTransferred', 'AccountClosed'] as const satisfies readonly BankEvent['type'][];
// #endregion events
