import type { StoredEvent } from '@tally/eventstore';
import type { BankEvent } from '../../domain/events.js';
import type { MovementKind } from './read-model.js';

/** One line of an account statement. */
export interface StatementLine {
  readonly seq: number;
  readonly position: bigint;
  readonly occurredAt: Date;
  readonly kind: MovementKind;
  /** Signed minor units: money in is positive. */
  readonly amount: number;
  readonly balanceAfter: number;
  readonly operationId: string | null;
  readonly counterpartyAccountId: string | null;
}

type Movement = Pick<StatementLine, 'kind' | 'amount' | 'operationId' | 'counterpartyAccountId'>;

/** What an event means for one account's statement; `undefined` when it does not concern the account. */
export function movementOf(event: BankEvent, accountId: string): Movement | undefined {
  switch (event.type) {
    case 'AccountOpened':
      return event.data.accountId === accountId
        ? { kind: 'opening', amount: event.data.initialDeposit, operationId: null, counterpartyAccountId: null }
        : undefined;
    case 'MoneyDeposited':
      return event.data.accountId === accountId
        ? { kind: 'deposit', amount: event.data.amount, operationId: event.data.depositId, counterpartyAccountId: null }
        : undefined;
    case 'MoneyWithdrawn':
      return event.data.accountId === accountId
        ? { kind: 'withdrawal', amount: -event.data.amount, operationId: event.data.withdrawalId, counterpartyAccountId: null }
        : undefined;
    case 'MoneyTransferred': {
      const { fromAccountId, toAccountId, amount, transferId } = event.data;
      if (fromAccountId === accountId) return { kind: 'transfer-out', amount: -amount, operationId: transferId, counterpartyAccountId: toAccountId };
      if (toAccountId === accountId) return { kind: 'transfer-in', amount, operationId: transferId, counterpartyAccountId: fromAccountId };
      return undefined;
    }
    case 'AccountClosed':
      return event.data.accountId === accountId ? { kind: 'closing', amount: 0, operationId: null, counterpartyAccountId: null } : undefined;
  }
}

/** The accounts an event concerns (a transfer concerns two). */
export function accountsOf(event: BankEvent): string[] {
  return event.type === 'MoneyTransferred' ? [event.data.fromAccountId, event.data.toAccountId] : [event.data.accountId];
}

/**
 * Appends the lines of `events` to a statement that ended at `last` (seq 0, balance 0 for a new one).
 * Pure: the statements projection and the "as of" query from the events both use it.
 */
export function statementLines(
  accountId: string,
  events: readonly StoredEvent<BankEvent>[],
  last: { readonly seq: number; readonly balance: number } = { seq: 0, balance: 0 },
): StatementLine[] {
  const lines: StatementLine[] = [];
  let { seq, balance } = last;
  for (const event of events) {
    const movement = movementOf(event, accountId);
    if (!movement) continue;
    seq += 1;
    balance += movement.amount;
    lines.push({ seq, position: event.position, occurredAt: event.occurredAt, ...movement, balanceAfter: balance });
  }
  return lines;
}
