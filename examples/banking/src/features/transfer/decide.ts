import type { Query, StoredEvent } from '@tally/eventstore';
import { foldAccount, requireOpen } from '../../domain/account.js';
import { InvalidInputError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, transferTag, type BankEvent } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount, formatMoney } from '../../domain/money.js';
import type { Decision } from '../../domain/run-decision.js';
import type { Transfer, TransferResult } from './types.js';

// #region query
/** The source's whole history (its balance), the target's status and currency, an earlier try of this transfer. */
export const transferQuery = (command: Transfer): Query<BankEvent> => [
  { tags: [accountTag(command.fromAccountId)] },
  { types: ['AccountOpened', 'AccountClosed'], tags: [accountTag(command.toAccountId)] },
  { types: ['MoneyTransferred'], tags: [transferTag(command.transferId)] },
];
// #endregion query

// #region condition
/** The condition spans both accounts: money leaving the source, the source closing, the target closing. */
export const transferCondition = (command: Transfer): Query<BankEvent> => {
  const from = accountTag(command.fromAccountId);
  return [
    { types: ['MoneyWithdrawn', 'AccountClosed'], tags: [from] },
    { types: ['MoneyTransferred'], tags: [from], data: { fromAccountId: command.fromAccountId } },
    { types: ['AccountClosed'], tags: [accountTag(command.toAccountId)] },
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

export function decideTransfer(command: Transfer, events: readonly StoredEvent<BankEvent>[]): Decision<TransferResult> {
  const { fromAccountId, toAccountId, amount, transferId } = command;
  const earlier = events.find((e) => e.type === 'MoneyTransferred' && e.data.transferId === transferId);
  const from = foldAccount(fromAccountId, events);
  const result = { transferId, fromAccountId, toAccountId, amount, currency: from.currency };
  if (earlier?.type === 'MoneyTransferred') {
    const same = earlier.data.fromAccountId === fromAccountId && earlier.data.toAccountId === toAccountId && earlier.data.amount === amount;
    if (!same) throw new RuleViolationError('OPERATION_ID_REUSED', `transfer ${transferId} was already made with other details`, { transferId });
    return { kind: 'replay', result };
  }
  const source = requireOpen(from);
  const target = requireOpen(foldAccount(toAccountId, events));
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
}
