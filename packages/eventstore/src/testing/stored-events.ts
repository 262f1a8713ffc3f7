import { randomUUID } from 'node:crypto';
import type { EventShape, NewEvent, StoredEvent } from '../types.js';

/** Options of {@link storedEvents}. */
export interface StoredEventsOptions {
  /**
   * Position of the first event; the next ones count up by one.
   * @defaultValue 1n
   */
  readonly startPosition?: bigint;
  /**
   * When the events occurred: one moment for all of them, or a function of the event's index in the list.
   * @defaultValue the moment of the call plus `i` milliseconds for the i-th event (distinct, increasing)
   */
  readonly occurredAt?: Date | ((index: number) => Date);
  /**
   * The transaction every event was written by, as if they had been appended together.
   * @defaultValue each event its own transaction, numbered like the event's position
   */
  readonly transactionId?: bigint;
}

/**
 * Turns events as given to `append` into events as `read` returns them, without a database: for unit tests of
 * pure decision functions. Positions count up from `startPosition`; an event without an `id` gets a random UUID,
 * without `tags` an empty list, without `metadata` an empty object. Give the union as the type argument
 * (`storedEvents<BankEvent>([...])`): each literal is checked against it, and narrowing a result on `type`
 * narrows its `data`.
 * @example
 * const history = storedEvents<BankEvent>([
 *   { type: 'AccountOpened', data: { accountId: 'a1', currency: 'USD' }, tags: ['account:a1'] },
 *   { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 500 }, tags: ['account:a1'] },
 * ]);
 * expect(decideWithdraw(command, history).kind).toBe('append');
 * @throws {RangeError} when `startPosition` is below 1, or `occurredAt` is (or returns) an invalid date
 */
export function storedEvents<E extends EventShape>(events: readonly NewEvent<E>[], options: StoredEventsOptions = {}): StoredEvent<E>[] {
  const startPosition = options.startPosition ?? 1n;
  if (typeof startPosition !== 'bigint' || startPosition < 1n) {
    throw new RangeError(`startPosition must be a bigint of at least 1n (store positions start at 1), got ${String(startPosition)}`);
  }
  const base = Date.now();
  const occurredAt = options.occurredAt;
  const timeOf = (index: number): Date => {
    const value = occurredAt === undefined ? new Date(base + index) : typeof occurredAt === 'function' ? occurredAt(index) : new Date(occurredAt.getTime());
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
      throw new RangeError(`occurredAt of event ${index} is not a valid Date`);
    }
    return value;
  };
  return events.map((event, index) => {
    const position = startPosition + BigInt(index);
    const stored = {
      ...event,
      id: event.id ?? randomUUID(),
      tags: [...(event.tags ?? [])],
      metadata: { ...(event.metadata ?? {}) },
      position,
      occurredAt: timeOf(index),
      transactionId: options.transactionId ?? position,
      // Given in the current shape, as every read returns events (whatever version they were stored at).
      schemaVersion: 1,
    };
    // `NewEvent<E>` and `StoredEvent<E>` distribute over the union `E`, which TypeScript cannot follow through a
    // spread of a generic value: the object above is the stored form of the very member `event` belongs to.
    return stored as unknown as StoredEvent<E>;
  });
}
