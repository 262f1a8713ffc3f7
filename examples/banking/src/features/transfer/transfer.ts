import type { EventMetadata, EventStore } from '@tally/eventstore';
import type { BankEvent } from '../../domain/events.js';
import { runDecision, type Outcome } from '../../domain/run-decision.js';
import { checkTransfer, decideTransfer, transferCondition, transferQuery } from './decide.js';
import type { Transfer, TransferResult } from './types.js';

/**
 * Moves money between two open accounts of the same currency, in one event; a retry with the same
 * `transferId` returns the first outcome.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError}
 */
export async function transfer(store: EventStore<BankEvent>, request: Transfer, metadata?: EventMetadata): Promise<Outcome<TransferResult>> {
  const command = checkTransfer(request);
  return runDecision(
    store,
    { query: transferQuery(command), condition: transferCondition(command), decide: (events) => decideTransfer(command, events) },
    metadata ? { metadata } : {},
  );
}
