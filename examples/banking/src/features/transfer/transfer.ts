import type { CommandHandler } from '@tally/decisions';
import type { EventMetadata } from '@tally/eventstore';
import { runDecision, type Outcome } from '../../domain/decision.js';
import type { BankEvent } from '../../domain/events.js';
import { checkTransfer, transferDecision } from './decide.js';
import type { Transfer, TransferResult } from './types.js';

/**
 * Moves money between two open accounts of the same currency, in one event; a retry with the same
 * `transferId` returns the first outcome.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError}
 */
export async function transfer(handler: CommandHandler<BankEvent>, request: Transfer, metadata?: EventMetadata): Promise<Outcome<TransferResult>> {
  return runDecision(handler, transferDecision, checkTransfer(request), metadata);
}
