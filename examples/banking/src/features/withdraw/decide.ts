import type { Query, StoredEvent } from '@tally/eventstore';
import { foldAccount, requireOpen } from '../../domain/account.js';
import { RuleViolationError } from '../../domain/errors.js';
import { accountTag, withdrawalTag, type BankEvent } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount, formatMoney } from '../../domain/money.js';
import type { Decision } from '../../domain/run-decision.js';
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

// #region decide
export function decideWithdraw(command: Withdraw, events: readonly StoredEvent<BankEvent>[]): Decision<WithdrawalResult> {
  const earlier = events.find((e) => e.type === 'MoneyWithdrawn' && e.data.withdrawalId === command.withdrawalId);
  const state = foldAccount(command.accountId, events);
  const result = { accountId: command.accountId, withdrawalId: command.withdrawalId, amount: command.amount, currency: state.currency };
  if (earlier?.type === 'MoneyWithdrawn') {
    if (earlier.data.accountId !== command.accountId || earlier.data.amount !== command.amount) {
      throw new RuleViolationError('OPERATION_ID_REUSED', `withdrawal ${command.withdrawalId} was already made with other details`, {
        withdrawalId: command.withdrawalId,
      });
    }
    return { kind: 'replay', result };
  }
  const account = requireOpen(state);
  if (account.balance < command.amount) {
    throw new RuleViolationError(
      'INSUFFICIENT_FUNDS',
      `cannot withdraw ${formatMoney(command.amount, account.currency)}: the balance is ${formatMoney(account.balance, account.currency)}`,
      { accountId: command.accountId, balance: account.balance, amount: command.amount },
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
}
// #endregion decide
