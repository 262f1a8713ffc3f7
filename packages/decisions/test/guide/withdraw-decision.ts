/** The withdrawal as a decision: quoted by docs/deciders.md, run by guide.int.test.ts. */
import { defineDecision, reject } from '../../src/index.js';
import { bankAccount, evolveAccount, requireOpen, requirePositive, type BankAccountState } from './bank-account.js';
import { accountTag, withdrawalTag, type AccountEvent } from './bank-events.js';

// #region decision
export interface Withdraw {
  readonly accountId: string;
  readonly amount: number;
  readonly withdrawalId: string;
}

export const withdraw = defineDecision<AccountEvent, Withdraw, BankAccountState>({
  name: 'withdraw',
  query: (cmd) => [{ tags: [accountTag(cmd.accountId)] }],
  // Only money leaving the account, or its closing, can make "the balance covers it" false: a deposit landing
  // between the read and the append does not fail it.
  condition: (cmd) => [{ types: ['MoneyWithdrawn', 'AccountClosed'], tags: [accountTag(cmd.accountId)] }],
  initialState: bankAccount.initialState,
  evolve: evolveAccount,
  decide: (cmd, state) => {
    requireOpen(state);
    requirePositive(cmd.amount);
    if (state.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: state.balance, amount: cmd.amount });
    const data = { accountId: cmd.accountId, amount: cmd.amount, withdrawalId: cmd.withdrawalId };
    return [{ type: 'MoneyWithdrawn', data, tags: [accountTag(cmd.accountId), withdrawalTag(cmd.withdrawalId)] }];
  },
});
// #endregion decision
