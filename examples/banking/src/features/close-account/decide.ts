import type { Query, StoredEvent } from '@tally/eventstore';
import { evolveAccount, requireOpen, unknownAccount, type AccountState } from '../../domain/account.js';
import { decideFrom, defineBankDecision, type Verdict } from '../../domain/decision.js';
import { AccountNotFoundError, RuleViolationError } from '../../domain/errors.js';
import { accountTag, type BankEvent } from '../../domain/events.js';
import { checkId, operationEventId } from '../../domain/ids.js';
import { formatMoney } from '../../domain/money.js';
import type { AccountClosedResult, CloseAccount } from './types.js';

/** Closing needs the balance: every event of the account. Any of them landing since the read changes it. */
export const closeQuery = (command: CloseAccount): Query<BankEvent> => [{ tags: [accountTag(command.accountId)] }];

/** Checks the request's fields. @throws {InvalidInputError} */
export function checkCloseAccount(command: CloseAccount): CloseAccount {
  return { accountId: checkId(command.accountId, 'accountId') };
}

/** Closing a closed account is a replay of the first close: the request is idempotent by nature. */
export const closeAccountDecision = defineBankDecision<CloseAccount, AccountState, AccountClosedResult>({
  name: 'close-account',
  query: closeQuery,
  initialState: (command) => unknownAccount(command.accountId),
  evolve: evolveAccount,
  decide: (command, state) => {
    const result = { accountId: command.accountId };
    if (state.status === 'unknown') throw new AccountNotFoundError(command.accountId);
    if (state.status === 'closed') return { kind: 'replay', result };
    const account = requireOpen(state);
    if (account.balance !== 0) {
      throw new RuleViolationError('BALANCE_NOT_ZERO', `the balance is ${formatMoney(account.balance, account.currency)}: only an empty account can be closed`, {
        accountId: command.accountId,
        balance: account.balance,
      });
    }
    return {
      kind: 'append',
      events: [
        { type: 'AccountClosed', id: operationEventId('close', command.accountId), data: { accountId: command.accountId }, tags: [accountTag(command.accountId)] },
      ],
      result,
    };
  },
});

/** The verdict on a history of events (the decision's fold, then its decide). */
export const decideCloseAccount = (command: CloseAccount, events: readonly StoredEvent<BankEvent>[]): Verdict<AccountClosedResult> =>
  decideFrom(closeAccountDecision, command, events);
