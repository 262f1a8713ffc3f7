import { randomUUID } from 'node:crypto';
import type { CommandHandler } from '@tally/decisions';
import type { EventMetadata } from '@tally/eventstore';
import { runDecision, type Outcome } from '../../domain/decision.js';
import { customerTag, type BankEvent, type KeyedTagger } from '../../domain/events.js';
import { checkId } from '../../domain/ids.js';
import { checkCustomerName, decideOpenAccount, openAccountDecision } from './decide.js';
import type { AccountOpenedResult, OpenAccount } from './types.js';

// #region shell
/**
 * Opens an account. Two concurrent requests for one name cannot both succeed: the append is guarded by the
 * name's tag, which the store checks under a lock on that tag. With a client-chosen `accountId` the request is
 * retry-safe: the event id derives from it, so a retry finds its event (or the store finds it a duplicate).
 * The name's tag is a keyed hash the store computes (`tagger`), before the decision runs.
 * @throws {InvalidInputError} {RuleViolationError} DUPLICATE_CUSTOMER_NAME, OPERATION_ID_REUSED
 */
export async function openAccount(
  handler: CommandHandler<BankEvent>,
  tagger: KeyedTagger,
  command: OpenAccount,
  metadata?: EventMetadata,
): Promise<Outcome<AccountOpenedResult>> {
  const accountId = command.accountId === undefined ? randomUUID() : checkId(command.accountId, 'accountId');
  const nameTag = await customerTag(tagger, checkCustomerName(command.customerName));
  return runDecision(handler, openAccountDecision, decideOpenAccount(command, accountId, nameTag), metadata);
}
// #endregion shell
