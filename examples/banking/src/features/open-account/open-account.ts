import { randomUUID } from 'node:crypto';
import { AppendConditionError, type EventMetadata, type EventStore } from '@tally/eventstore';
import { RuleViolationError } from '../../domain/errors.js';
import { customerTag, type BankEvent } from '../../domain/events.js';
import { decideOpenAccount } from './decide.js';
import type { AccountOpenedResult, OpenAccount } from './types.js';

// #region open
/**
 * Opens an account. Two concurrent requests for one name cannot both succeed: the condition (no `after`)
 * requires that no event with the name's tag exists, and the store checks it under a lock on that tag.
 * @throws {InvalidInputError} {RuleViolationError} DUPLICATE_CUSTOMER_NAME
 */
export async function openAccount(store: EventStore<BankEvent>, command: OpenAccount, metadata?: EventMetadata): Promise<AccountOpenedResult> {
  const { event, result } = decideOpenAccount(command, randomUUID());
  try {
    await store.append([event], { condition: { query: [{ tags: [customerTag(result.customerName)] }] }, ...(metadata ? { metadata } : {}) });
  } catch (error) {
    if (error instanceof AppendConditionError) {
      throw new RuleViolationError('DUPLICATE_CUSTOMER_NAME', `a customer named "${result.customerName}" already has an account`, {
        customerName: result.customerName,
      });
    }
    throw error;
  }
  return result;
}
// #endregion open
