import { isErased } from '@tally/eventstore';
import { AccountNotFoundError, RuleViolationError } from './errors.js';
import type { AccountType, BankEvent } from './events.js';

/** What a decision knows about one account, folded from its events. */
export interface AccountState {
  readonly accountId: string;
  readonly status: 'unknown' | 'open' | 'closed';
  /** `null` once the customer was erased. */
  readonly customerName: string | null;
  readonly accountType: AccountType;
  readonly currency: string;
  /** Minor units. Only complete when the fold saw every money event of the account. */
  readonly balance: number;
}

export const unknownAccount = (accountId: string): AccountState => ({
  accountId,
  status: 'unknown',
  customerName: '',
  accountType: 'checking',
  currency: '',
  balance: 0,
});

/** Applies one event to an account's state; events about other accounts leave it unchanged. */
export function evolveAccount(state: AccountState, event: BankEvent): AccountState {
  const id = state.accountId;
  switch (event.type) {
    case 'AccountOpened':
      if (event.data.accountId !== id) return state;
      return {
        accountId: id,
        status: 'open',
        customerName: isErased(event.data.customerName) ? null : event.data.customerName,
        accountType: event.data.accountType,
        currency: event.data.currency,
        balance: event.data.initialDeposit,
      };
    case 'MoneyDeposited':
      return event.data.accountId === id ? { ...state, balance: state.balance + event.data.amount } : state;
    case 'MoneyWithdrawn':
      return event.data.accountId === id ? { ...state, balance: state.balance - event.data.amount } : state;
    case 'MoneyTransferred': {
      const { fromAccountId, toAccountId, amount } = event.data;
      if (fromAccountId === id) return { ...state, balance: state.balance - amount };
      if (toAccountId === id) return { ...state, balance: state.balance + amount };
      return state;
    }
    case 'AccountClosed':
      return event.data.accountId === id ? { ...state, status: 'closed' } : state;
  }
}

export const foldAccount = (accountId: string, events: readonly BankEvent[]): AccountState =>
  events.reduce(evolveAccount, unknownAccount(accountId));

/**
 * The account, if it exists and is open.
 * @throws {AccountNotFoundError} {RuleViolationError} ACCOUNT_CLOSED
 */
export function requireOpen(state: AccountState): AccountState & { readonly status: 'open' } {
  if (state.status === 'unknown') throw new AccountNotFoundError(state.accountId);
  if (state.status === 'closed') {
    throw new RuleViolationError('ACCOUNT_CLOSED', `account ${state.accountId} is closed`, { accountId: state.accountId });
  }
  return { ...state, status: 'open' };
}
