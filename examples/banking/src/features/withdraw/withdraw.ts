import type { EventMetadata, EventStore } from '@tally/eventstore';
import type { BankEvent } from '../../domain/events.js';
import { runDecision, type Outcome } from '../../domain/run-decision.js';
import { checkWithdraw, decideWithdraw, withdrawCondition, withdrawQuery } from './decide.js';
import type { Withdraw, WithdrawalResult } from './types.js';

// #region shell
/**
 * Withdraws money, never below zero; a retry with the same `withdrawalId` returns the first outcome.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError} INSUFFICIENT_FUNDS, ACCOUNT_CLOSED…
 */
export async function withdraw(store: EventStore<BankEvent>, request: Withdraw, metadata?: EventMetadata): Promise<Outcome<WithdrawalResult>> {
  const command = checkWithdraw(request);
  return runDecision(
    store,
    { query: withdrawQuery(command), condition: withdrawCondition(command), decide: (events) => decideWithdraw(command, events) },
    metadata ? { metadata } : {},
  );
}
// #endregion shell
