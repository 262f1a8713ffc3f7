import { randomUUID } from 'node:crypto';
import { AppendConditionError, EventIdConflictError, type EventMetadata, type EventStore } from '@tally/eventstore';
import { RuleViolationError } from '../../domain/errors.js';
import { customerTag, type BankEvent } from '../../domain/events.js';
import { checkId } from '../../domain/ids.js';
import type { Outcome } from '../../domain/run-decision.js';
import { decideOpenAccount } from './decide.js';
import type { AccountOpenedResult, OpenAccount } from './types.js';

// #region open
/**
 * Opens an account. Two concurrent requests for one name cannot both succeed: the condition (no `after`)
 * requires that no event with the name's tag exists, and the store checks it under a lock on that tag.
 * With a client-chosen `accountId` the request is retry-safe: the event id derives from it, and the store
 * answers a repeat of the same event as a duplicate before it looks at the condition.
 * @throws {InvalidInputError} {RuleViolationError} DUPLICATE_CUSTOMER_NAME, OPERATION_ID_REUSED
 */
export async function openAccount(store: EventStore<BankEvent>, command: OpenAccount, metadata?: EventMetadata): Promise<Outcome<AccountOpenedResult>> {
  const accountId = command.accountId === undefined ? randomUUID() : checkId(command.accountId, 'accountId');
  const { event, result } = decideOpenAccount(command, accountId);
  try {
    const appended = await store.append([event], {
      condition: { query: [{ tags: [customerTag(result.customerName)] }] },
      ...(metadata ? { metadata } : {}),
    });
    return { ...result, replayed: appended.duplicate };
  } catch (error) {
    if (error instanceof AppendConditionError) {
      throw new RuleViolationError('DUPLICATE_CUSTOMER_NAME', `a customer named "${result.customerName}" already has an account`, {
        customerName: result.customerName,
      });
    }
    if (error instanceof EventIdConflictError) {
      throw new RuleViolationError('OPERATION_ID_REUSED', `account ${accountId} was already opened with other details`, { accountId });
    }
    throw error;
  }
}
// #endregion open
