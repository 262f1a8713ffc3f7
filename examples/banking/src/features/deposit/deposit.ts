import type { CommandHandler } from '@tally/decisions';
import type { EventMetadata } from '@tally/eventstore';
import { runDecision, type Outcome } from '../../domain/decision.js';
import type { BankEvent } from '../../domain/events.js';
import { checkDeposit, depositDecision } from './decide.js';
import type { Deposit, DepositResult } from './types.js';

/**
 * Deposits money; a retry with the same `depositId` returns the first outcome with `replayed: true`.
 * @throws {InvalidInputError} {AccountNotFoundError} {RuleViolationError}
 */
export async function deposit(handler: CommandHandler<BankEvent>, request: Deposit, metadata?: EventMetadata): Promise<Outcome<DepositResult>> {
  return runDecision(handler, depositDecision, checkDeposit(request), metadata);
}
