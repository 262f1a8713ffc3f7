import type { Query, StoredEvent } from '@tally/eventstore';
import { evolveAccount, requireOpen, unknownAccount, type AccountState } from '../../domain/account.js';
import { decideFrom, defineBankDecision, type Verdict } from '../../domain/decision.js';
import { RuleViolationError } from '../../domain/errors.js';
import { accountTag, withdrawalTag, type BankEvent, type MoneyWithdrawn } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount, formatMoney } from '../../domain/money.js';
import type { Withdraw, WithdrawalResult } from './types.js';

// #region query
/** The balance needs every event of the account; the second item finds an earlier try of this withdrawal. */
export const withdrawQuery = (command: Withdraw): Query<BankEvent> => [
  { tags: [accountTag(command.accountId)] },
  { types: ['MoneyWithdrawn'], tags: [withdrawalTag(command.withdrawalId)] },
];
// #endregion query

// #region condition
/**
 * What could make "the balance covers it" false: money leaving the account, or its closing. Deposits and
 * incoming transfers only raise the balance, so they may land between the read and the append.
 */
export const withdrawCondition = (command: Withdraw): Query<BankEvent> => {
  const tag = accountTag(command.accountId);
  return [
    { types: ['MoneyWithdrawn', 'AccountClosed'], tags: [tag] },
    { types: ['MoneyTransferred'], tags: [tag], data: { fromAccountId: command.accountId } },
  ];
};
// #endregion condition

/** Checks the request's fields. @throws {InvalidInputError} */
export function checkWithdraw(command: Withdraw): Withdraw {
  return {
    accountId: checkId(command.accountId, 'accountId'),
    amount: checkAmount(command.amount, 'amount'),
    withdrawalId: checkId(command.withdrawalId, 'withdrawalId'),
  };
}

// #region state
/** What a withdrawal decides on: the account, and an earlier application of this withdrawal id (on any account). */
export interface WithdrawState {
  readonly account: AccountState;
  readonly withdrawalId: string;
  readonly earlier: MoneyWithdrawn['data'] | undefined;
}

const evolve = (state: WithdrawState, event: BankEvent): WithdrawState => ({
  ...state,
  account: evolveAccount(state.account, event),
  earlier: state.earlier ?? (event.type === 'MoneyWithdrawn' && event.data.withdrawalId === state.withdrawalId ? event.data : undefined),
});
// #endregion state

// #region decide
export const withdrawDecision = defineBankDecision<Withdraw, WithdrawState, WithdrawalResult>({
  name: 'withdraw',
  query: withdrawQuery,
  condition: withdrawCondition,
  initialState: (command) => ({ account: unknownAccount(command.accountId), withdrawalId: command.withdrawalId, earlier: undefined }),
  evolve,
  decide: (command, { account, earlier }) => {
    const result = { accountId: command.accountId, withdrawalId: command.withdrawalId, amount: command.amount, currency: account.currency };
    if (earlier) {
      if (earlier.accountId !== command.accountId || earlier.amount !== command.amount) {
        throw new RuleViolationError('OPERATION_ID_REUSED', `withdrawal ${command.withdrawalId} was already made with other details`, {
          withdrawalId: command.withdrawalId,
        });
      }
      return { kind: 'replay', result };
    }
    const { balance, currency } = requireOpen(account);
    if (balance < command.amount) {
      throw new RuleViolationError(
        'INSUFFICIENT_FUNDS',
        `cannot withdraw ${formatMoney(command.amount, currency)}: the balance is ${formatMoney(balance, currency)}`,
        { accountId: command.accountId, balance, amount: command.amount },
      );
    }
    return {
      kind: 'append',
      events: [
        {
          type: 'MoneyWithdrawn',
          id: operationEventId('withdrawal', command.withdrawalId),
          data: { accountId: command.accountId, amount: command.amount, withdrawalId: command.withdrawalId },
          tags: [accountTag(command.accountId), withdrawalTag(command.withdrawalId)],
        },
      ],
      result,
    };
  },
});
// #endregion decide

/** The verdict on a history of events (the decision's fold, then its decide). */
export const decideWithdraw = (command: Withdraw, events: readonly StoredEvent<BankEvent>[]): Verdict<WithdrawalResult> =>
  decideFrom(withdrawDecision, command, events);
