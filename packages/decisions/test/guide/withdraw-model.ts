/** The withdrawal with a decision model: quoted by docs/deciders.md, run by guide.int.test.ts. */
import { decisionModel, reject, type DecisionPart } from '../../src/index.js';
import { bankAccount, evolveAccount, requireOpen, requirePositive, type BankAccountState } from './bank-account.js';
import { accountTag, withdrawalTag, type AccountEvent } from './bank-events.js';
import type { Withdraw } from './withdraw-decision.js';

// #region parts
/** The account's status and balance; money leaving it, or its closing, makes a decision on it out of date. */
export const accountBalance = (accountId: string): DecisionPart<AccountEvent, BankAccountState> => ({
  query: [{ tags: [accountTag(accountId)] }],
  condition: [{ types: ['MoneyWithdrawn', 'AccountClosed'], tags: [accountTag(accountId)] }],
  initialState: bankAccount.initialState,
  evolve: evolveAccount,
});

/** An earlier withdrawal with this id, on any account. */
export const withdrawalById = (withdrawalId: string): DecisionPart<AccountEvent, { readonly earlier?: Withdraw }> => ({
  query: [{ types: ['MoneyWithdrawn'], tags: [withdrawalTag(withdrawalId)] }],
  initialState: () => ({}),
  evolve: (state, event) => (event.type === 'MoneyWithdrawn' ? { earlier: event.data } : state),
});
// #endregion parts

// #region model
export const withdrawOnce = decisionModel<AccountEvent>()({
  name: 'withdraw-once',
  parts: (cmd: Withdraw) => ({ account: accountBalance(cmd.accountId), withdrawal: withdrawalById(cmd.withdrawalId) }),
  decide: (cmd, { account, withdrawal }) => {
    const { earlier } = withdrawal;
    if (earlier) {
      // A retry of a request already applied: nothing to do. The same id with other details is refused.
      if (earlier.accountId !== cmd.accountId || earlier.amount !== cmd.amount) reject('WITHDRAWAL_ID_REUSED', { earlier });
      return [];
    }
    requireOpen(account);
    requirePositive(cmd.amount);
    if (account.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: account.balance, amount: cmd.amount });
    const data = { accountId: cmd.accountId, amount: cmd.amount, withdrawalId: cmd.withdrawalId };
    return [{ type: 'MoneyWithdrawn', data, tags: [accountTag(cmd.accountId), withdrawalTag(cmd.withdrawalId)] }];
  },
});
// #endregion model
