import type { CommandHandler } from '@tally/decisions';
import type { EventMetadata } from '@tally/eventstore';
import { runDecision, type Outcome } from '../../domain/decision.js';
import type { BankEvent } from '../../domain/events.js';
import { checkCloseAccount, closeAccountDecision } from './decide.js';
import type { AccountClosedResult, CloseAccount } from './types.js';

/**
 * Closes an account whose balance is zero; closing it again answers `replayed: true`.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError} BALANCE_NOT_ZERO
 */
export async function closeAccount(handler: CommandHandler<BankEvent>, request: CloseAccount, metadata?: EventMetadata): Promise<Outcome<AccountClosedResult>> {
  return runDecision(handler, closeAccountDecision, checkCloseAccount(request), metadata);
}
