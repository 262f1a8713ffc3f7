import type { Query, StoredEvent } from '@tally/eventstore';
import { evolveAccount, requireOpen, unknownAccount, type AccountState } from '../../domain/account.js';
import { decideFrom, defineBankDecision, type Verdict } from '../../domain/decision.js';
import { RuleViolationError } from '../../domain/errors.js';
import { accountTag, depositTag, type BankEvent, type MoneyDeposited } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount, checkBalanceLimit } from '../../domain/money.js';
import type { Deposit, DepositResult } from './types.js';

/**
 * A deposit needs the account's status, currency and balance (the balance may not pass `MAX_BALANCE`), and
 * whether this deposit id was seen.
 */
export const depositQuery = (command: Deposit): Query<BankEvent> => [
  { tags: [accountTag(command.accountId)] },
  { types: ['MoneyDeposited'], tags: [depositTag(command.depositId)] },
];

// #region condition
/**
 * What could make an accepted deposit wrong: the account's closing, or other money in (a deposit, an incoming
 * transfer) that, with this one, takes the balance past `MAX_BALANCE`. Money out runs alongside.
 */
export const depositCondition = (command: Deposit): Query<BankEvent> => {
  const tag = accountTag(command.accountId);
  return [
    { types: ['AccountClosed', 'MoneyDeposited'], tags: [tag] },
    { types: ['MoneyTransferred'], tags: [tag], data: { toAccountId: command.accountId } },
  ];
};
// #endregion condition

/** Checks the request's fields. @throws {InvalidInputError} */
export function checkDeposit(command: Deposit): Deposit {
  return {
    accountId: checkId(command.accountId, 'accountId'),
    amount: checkAmount(command.amount, 'amount'),
    depositId: checkId(command.depositId, 'depositId'),
  };
}

/** What a deposit decides on: the account, and an earlier application of this deposit id. */
export interface DepositState {
  readonly account: AccountState;
  readonly depositId: string;
  readonly earlier: MoneyDeposited['data'] | undefined;
}

export const depositDecision = defineBankDecision<Deposit, DepositState, DepositResult>({
  name: 'deposit',
  query: depositQuery,
  condition: depositCondition,
  initialState: (command) => ({ account: unknownAccount(command.accountId), depositId: command.depositId, earlier: undefined }),
  evolve: (state, event) => ({
    ...state,
    account: evolveAccount(state.account, event),
    earlier: state.earlier ?? (event.type === 'MoneyDeposited' && event.data.depositId === state.depositId ? event.data : undefined),
  }),
  decide: (command, { account, earlier }) => {
    const result = { accountId: command.accountId, depositId: command.depositId, amount: command.amount, currency: account.currency };
    if (earlier) {
      // Already applied: answer as the first time, even if the account has been closed since.
      if (earlier.accountId !== command.accountId || earlier.amount !== command.amount) {
        throw new RuleViolationError('OPERATION_ID_REUSED', `deposit ${command.depositId} was already made with other details`, {
          depositId: command.depositId,
        });
      }
      return { kind: 'replay', result };
    }
    const { balance, currency } = requireOpen(account);
    checkBalanceLimit(command.accountId, balance, command.amount, currency);
    return {
      kind: 'append',
      events: [
        {
          type: 'MoneyDeposited',
          id: operationEventId('deposit', command.depositId),
          data: { accountId: command.accountId, amount: command.amount, depositId: command.depositId },
          tags: [accountTag(command.accountId), depositTag(command.depositId)],
        },
      ],
      result,
    };
  },
});

/** The verdict on a history of events (the decision's fold, then its decide). */
export const decideDeposit = (command: Deposit, events: readonly StoredEvent<BankEvent>[]): Verdict<DepositResult> => decideFrom(depositDecision, command, events);
