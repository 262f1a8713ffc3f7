/** The guide's `BankAccount` class (seed 003) as an aggregate: quoted by docs/deciders.md, run by bank-account.unit.test.ts. */
import type { StoredEvent } from '@tally/eventstore';
import { defineAggregate, reject } from '../../src/index.js';
import { accountTag, withdrawalTag, type AccountEvent } from './bank-events.js';

// #region state
export interface BankAccountState {
  readonly status: 'new' | 'open' | 'closed';
  readonly balance: number;
  /** Position of the account's last event (the class's `version`): a bigint, which snapshots keep. */
  readonly version: bigint;
}

export function evolveAccount(state: BankAccountState, event: StoredEvent<AccountEvent>): BankAccountState {
  switch (event.type) {
    case 'AccountOpened':
      return { status: 'open', balance: event.data.initialDeposit, version: event.position };
    case 'MoneyDeposited':
      return { ...state, balance: state.balance + event.data.amount, version: event.position };
    case 'MoneyWithdrawn':
      return { ...state, balance: state.balance - event.data.amount, version: event.position };
    case 'AccountClosed':
      return { ...state, status: 'closed', version: event.position };
  }
}

export function requireOpen(state: BankAccountState): void {
  if (state.status !== 'open') reject('ACCOUNT_NOT_OPEN', { status: state.status });
}

export function requirePositive(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount <= 0) reject('AMOUNT_NOT_POSITIVE', { amount });
}
// #endregion state

// #region aggregate
export const bankAccount = defineAggregate<AccountEvent>()({
  name: 'bank-account',
  tag: accountTag,
  initialState: (): BankAccountState => ({ status: 'new', balance: 0, version: 0n }),
  evolve: evolveAccount,
  commands: {
    open: (state, cmd: { id: string; initialDeposit: number }) => {
      if (state.status !== 'new') reject('ACCOUNT_ALREADY_OPENED', { status: state.status });
      if (!Number.isSafeInteger(cmd.initialDeposit) || cmd.initialDeposit < 0) reject('AMOUNT_NOT_POSITIVE', { amount: cmd.initialDeposit });
      return [{ type: 'AccountOpened', data: { accountId: cmd.id, initialDeposit: cmd.initialDeposit } }];
    },
    deposit: (state, cmd: { id: string; amount: number }) => {
      requireOpen(state);
      requirePositive(cmd.amount);
      return [{ type: 'MoneyDeposited', data: { accountId: cmd.id, amount: cmd.amount } }];
    },
    withdraw: (state, cmd: { id: string; amount: number; withdrawalId: string }) => {
      requireOpen(state);
      requirePositive(cmd.amount);
      if (state.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: state.balance, amount: cmd.amount });
      // The aggregate adds its own tag (account:<id>) to every event a command returns.
      const data = { accountId: cmd.id, amount: cmd.amount, withdrawalId: cmd.withdrawalId };
      return [{ type: 'MoneyWithdrawn', data, tags: [withdrawalTag(cmd.withdrawalId)] }];
    },
    close: (state, cmd: { id: string }) => {
      requireOpen(state);
      if (state.balance > 0) reject('BALANCE_NOT_ZERO', { balance: state.balance });
      return [{ type: 'AccountClosed', data: { accountId: cmd.id } }];
    },
  },
  snapshots: { every: 100, version: 1 },
});
// #endregion aggregate
