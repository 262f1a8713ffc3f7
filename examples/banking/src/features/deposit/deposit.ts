import type { EventMetadata, EventStore } from '@tally/eventstore';
import type { BankEvent } from '../../domain/events.js';
import { runDecision, type Outcome } from '../../domain/run-decision.js';
import { checkDeposit, decideDeposit, depositCondition, depositQuery } from './decide.js';
import type { Deposit, DepositResult } from './types.js';

/**
 * Deposits money; a retry with the same `depositId` returns the first outcome with `replayed: true`.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError}
 */
export async function deposit(store: EventStore<BankEvent>, request: Deposit, metadata?: EventMetadata): Promise<Outcome<DepositResult>> {
  const command = checkDeposit(request);
  return runDecision(
    store,
    { query: depositQuery(command), condition: depositCondition(command), decide: (events) => decideDeposit(command, events) },
    metadata ? { metadata } : {},
  );
}
