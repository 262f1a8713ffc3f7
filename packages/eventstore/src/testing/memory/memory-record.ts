import type { EventShape, StoredEvent } from '../../types.js';
import type { Matchable } from '../../compiled-query.js';

/** An event as the memory store keeps it: never handed out, only copies of it. */
export interface MemoryRecord extends Matchable {
  readonly position: bigint;
  readonly transactionId: bigint;
  /** Lower-case UUID. */
  readonly id: string;
  /** The payload as canonical jsonb text (see `jsonbText`): compared for idempotency, parsed for each copy. */
  readonly dataText: string;
  readonly metadataText: string;
  readonly occurredAt: number;
}

/** A fresh copy of a record as `read` returns it: nothing in it is shared with the store or another copy. */
export function toStoredEvent<E extends EventShape>(record: MemoryRecord): StoredEvent<E> {
  const event = {
    type: record.type,
    data: JSON.parse(record.dataText) as unknown,
    position: record.position,
    id: record.id,
    tags: [...record.tags],
    metadata: JSON.parse(record.metadataText) as unknown,
    occurredAt: new Date(record.occurredAt),
    transactionId: record.transactionId,
  };
  // `StoredEvent<E>` distributes over the union `E`, which a generic object cannot be checked against: the
  // record was stored from a `NewEvent<E>` of the very member it belongs to (as `map-row.ts` does for rows).
  return event as unknown as StoredEvent<E>;
}
