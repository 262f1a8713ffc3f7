import type { EventMetadata, EventStore } from '@tally/eventstore';
import type { BankEvent } from '../../domain/events.js';
import { runDecision, type Outcome } from '../../domain/run-decision.js';
import { checkCloseAccount, closeQuery, decideCloseAccount } from './decide.js';
import type { AccountClosedResult, CloseAccount } from './types.js';

/**
 * Closes an account whose balance is zero; closing it again answers `replayed: true`.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError} BALANCE_NOT_ZERO
 */
export async function closeAccount(store: EventStore<BankEvent>, request: CloseAccount, metadata?: EventMetadata): Promise<Outcome<AccountClosedResult>> {
  const command = checkCloseAccount(request);
  const query = closeQuery(command);
  return runDecision(store, { query, condition: query, decide: (events) => decideCloseAccount(command, events) }, metadata ? { metadata } : {});
}
