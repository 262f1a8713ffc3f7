import type { CommandHandler } from '@tally/decisions';
import type { EventMetadata } from '@tally/eventstore';
import { runDecision, type Outcome } from '../../domain/decision.js';
import type { BankEvent } from '../../domain/events.js';
import { checkWithdraw, withdrawDecision } from './decide.js';
import type { Withdraw, WithdrawalResult } from './types.js';

// #region shell
/**
 * Withdraws money, never below zero; a retry with the same `withdrawalId` returns the first outcome.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError} INSUFFICIENT_FUNDS, ACCOUNT_CLOSED…
 */
export async function withdraw(handler: CommandHandler<BankEvent>, request: Withdraw, metadata?: EventMetadata): Promise<Outcome<WithdrawalResult>> {
  return runDecision(handler, withdrawDecision, checkWithdraw(request), metadata);
}
// #endregion shell
