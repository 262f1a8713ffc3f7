import type { EventShape, StoredEvent } from '../../types.js';
import type { Matchable } from '../../compiled-query.js';
import { copyJsonbValue } from './jsonb-value.js';

/** An event as the memory store keeps it: never handed out, only copies of it. */
export interface MemoryRecord extends Matchable {
  readonly position: bigint;
  readonly transactionId: bigint;
  /** Lower-case UUID. */
  readonly id: string;
  /** The payload as jsonb keeps it (see `jsonbValue`): matched by queries, copied for each read. Never handed out. */
  readonly data: unknown;
  /** The payload as canonical jsonb text: equal texts are equal jsonb, as the idempotency check compares them. */
  readonly dataText: string;
  /** The metadata as jsonb keeps it, copied for each read. */
  readonly metadata: unknown;
  readonly occurredAt: number;
  /** The schema version it was written with. */
  readonly schemaVersion: number;
}

/** A fresh copy of a record as `read` returns it: nothing in it is shared with the store or another copy. */
export function toStoredEvent<E extends EventShape>(record: MemoryRecord): StoredEvent<E> {
  const event = {
    type: record.type,
    data: copyJsonbValue(record.data),
    position: record.position,
    id: record.id,
    tags: [...record.tags],
    metadata: copyJsonbValue(record.metadata),
    occurredAt: new Date(record.occurredAt),
    transactionId: record.transactionId,
    schemaVersion: record.schemaVersion,
  };
  // `StoredEvent<E>` distributes over the union `E`, which a generic object cannot be checked against: the
  // record was stored from a `NewEvent<E>` of the very member it belongs to (as `map-row.ts` does for rows).
  return event as unknown as StoredEvent<E>;
}
