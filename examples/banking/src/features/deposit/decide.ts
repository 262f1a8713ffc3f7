import type { Query, StoredEvent } from '@tally/eventstore';
import { foldAccount, requireOpen } from '../../domain/account.js';
import { RuleViolationError } from '../../domain/errors.js';
import { accountTag, depositTag, type BankEvent } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { checkAmount } from '../../domain/money.js';
import type { Decision } from '../../domain/run-decision.js';
import type { Deposit, DepositResult } from './types.js';

/** A deposit needs the account's status and currency, and whether this deposit id was seen: not the balance. */
export const depositQuery = (command: Deposit): Query<BankEvent> => [
  { types: ['AccountOpened', 'AccountClosed'], tags: [accountTag(command.accountId)] },
  { types: ['MoneyDeposited'], tags: [depositTag(command.depositId)] },
];

// #region condition
/** Only closing the account could make an accepted deposit wrong; other movements run alongside. */
export const depositCondition = (command: Deposit): Query<BankEvent> => [{ types: ['AccountClosed'], tags: [accountTag(command.accountId)] }];
// #endregion condition

/** Checks the request's fields. @throws {InvalidInputError} */
export function checkDeposit(command: Deposit): Deposit {
  return {
    accountId: checkId(command.accountId, 'accountId'),
    amount: checkAmount(command.amount, 'amount'),
    depositId: checkId(command.depositId, 'depositId'),
  };
}

export function decideDeposit(command: Deposit, events: readonly StoredEvent<BankEvent>[]): Decision<DepositResult> {
  const earlier = events.find((e) => e.type === 'MoneyDeposited' && e.data.depositId === command.depositId);
  const state = foldAccount(command.accountId, events);
  const result = { accountId: command.accountId, depositId: command.depositId, amount: command.amount, currency: state.currency };
  if (earlier?.type === 'MoneyDeposited') {
    // Already applied: answer as the first time, even if the account has been closed since.
    if (earlier.data.accountId !== command.accountId || earlier.data.amount !== command.amount) {
      throw new RuleViolationError('OPERATION_ID_REUSED', `deposit ${command.depositId} was already made with other details`, {
        depositId: command.depositId,
      });
    }
    return { kind: 'replay', result };
  }
  requireOpen(state);
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
}
