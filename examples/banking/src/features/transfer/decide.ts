import type { Query, StoredEvent } from '@tally/eventstore';
import { evolveAccount, requireOpen, unknownAccount, type AccountState } from '../../domain/account.js';
import { decideFrom, defineBankDecision, type Verdict } from '../../domain/decision.js';
import { InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, transferTag, type BankEvent, type MoneyTransferred } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount, checkBalanceLimit, formatMoney } from '../../domain/money.js';
import type { Transfer, TransferResult } from './types.js';

// #region query
/** Both accounts' whole histories (their balances: the target's may not pass `MAX_BALANCE`), an earlier try of this transfer. */
export const transferQuery = (command: Transfer): Query<BankEvent> => [
  { tags: [accountTag(command.fromAccountId)] },
  { tags: [accountTag(command.toAccountId)] },
  { types: ['MoneyTransferred'], tags: [transferTag(command.transferId)] },
];
// #endregion query

// #region condition
/**
 * The condition spans both accounts: money leaving the source, the source closing, the target closing, money
 * reaching the target (with this transfer it could pass `MAX_BALANCE`).
 */
export const transferCondition = (command: Transfer): Query<BankEvent> => {
  const from = accountTag(command.fromAccountId);
  const to = accountTag(command.toAccountId);
  return [
    { types: ['MoneyWithdrawn', 'AccountClosed'], tags: [from] },
    { types: ['MoneyTransferred'], tags: [from], data: { fromAccountId: command.fromAccountId } },
    { types: ['AccountClosed', 'MoneyDeposited'], tags: [to] },
    { types: ['MoneyTransferred'], tags: [to], data: { toAccountId: command.toAccountId } },
  ];
};
// #endregion condition

/** Checks the request's fields. @throws {InvalidInputError} */
export function checkTransfer(command: Transfer): Transfer {
  const checked = {
    fromAccountId: checkId(command.fromAccountId, 'fromAccountId'),
    toAccountId: checkId(command.toAccountId, 'toAccountId'),
    amount: checkAmount(command.amount, 'amount'),
    transferId: checkId(command.transferId, 'transferId'),
  };
  if (checked.fromAccountId === checked.toAccountId) throw new InvalidInputError('toAccountId', 'cannot transfer to the same account');
  return checked;
}

/** What a transfer decides on: both accounts, and an earlier application of this transfer id. */
export interface TransferState {
  /** Complete: the query reads the source's every event. */
  readonly from: AccountState;
  /** Complete too: the query reads the target's every event. */
  readonly to: AccountState;
  readonly transferId: string;
  readonly earlier: MoneyTransferred['data'] | undefined;
}

export const transferDecision = defineBankDecision<Transfer, TransferState, TransferResult>({
  name: 'transfer',
  query: transferQuery,
  condition: transferCondition,
  initialState: (command) => ({
    from: unknownAccount(command.fromAccountId),
    to: unknownAccount(command.toAccountId),
    transferId: command.transferId,
    earlier: undefined,
  }),
  evolve: (state, event) => ({
    ...state,
    from: evolveAccount(state.from, event),
    to: evolveAccount(state.to, event),
    earlier: state.earlier ?? (event.type === 'MoneyTransferred' && event.data.transferId === state.transferId ? event.data : undefined),
  }),
  decide: (command, { from, to, earlier }) => {
    const { fromAccountId, toAccountId, amount, transferId } = command;
    const result = { transferId, fromAccountId, toAccountId, amount, currency: from.currency };
    if (earlier) {
      const same = earlier.fromAccountId === fromAccountId && earlier.toAccountId === toAccountId && earlier.amount === amount;
      if (!same) throw new RuleViolationError('OPERATION_ID_REUSED', `transfer ${transferId} was already made with other details`, { transferId });
      return { kind: 'replay', result };
    }
    const source = requireOpen(from);
    const target = requireOpen(to);
    if (source.currency !== target.currency) {
      throw new RuleViolationError('CURRENCY_MISMATCH', `cannot transfer from a ${source.currency} account to a ${target.currency} account`, {
        fromCurrency: source.currency,
        toCurrency: target.currency,
      });
    }
    if (source.balance < amount) {
      throw new RuleViolationError(
        'INSUFFICIENT_FUNDS',
        `cannot transfer ${formatMoney(amount, source.currency)}: the balance is ${formatMoney(source.balance, source.currency)}`,
        { accountId: fromAccountId, balance: source.balance, amount },
      );
    }
    checkBalanceLimit(toAccountId, target.balance, amount, target.currency);
    return {
      kind: 'append',
      events: [
        {
          type: 'MoneyTransferred',
          id: operationEventId('transfer', transferId),
          data: { transferId, fromAccountId, toAccountId, amount, currency: source.currency },
          tags: [accountTag(fromAccountId), accountTag(toAccountId), transferTag(transferId)],
        },
      ],
      result,
    };
  },
});

/** The verdict on a history of events (the decision's fold, then its decide). */
export const decideTransfer = (command: Transfer, events: readonly StoredEvent<BankEvent>[]): Verdict<TransferResult> => decideFrom(transferDecision, command, events);
