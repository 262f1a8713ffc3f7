import type { EventShape, StoredEvent } from './types.js';

/** A row of the events table as the driver returns it. */
export interface EventRow {
  position: string | number | bigint;
  transaction_id: string | number | bigint;
  id: string;
  type: string;
  data: unknown;
  tags: string[];
  metadata: Record<string, unknown>;
  occurred_at: Date | string;
  schema_version: number;
}

export const eventColumns = [
  'events.position',
  'events.transaction_id',
  'events.id',
  'events.type',
  'events.data',
  'events.tags',
  'events.metadata',
  'events.occurred_at',
  'events.schema_version',
] as const;

/** Converts a row into the stored event of the union `E`. */
export function toStoredEvent<E extends EventShape>(row: EventRow): StoredEvent<E> {
  const event = {
    type: row.type,
    data: row.data,
    position: BigInt(row.position),
    id: row.id,
    tags: row.tags,
    metadata: row.metadata,
    occurredAt: row.occurred_at instanceof Date ? row.occurred_at : new Date(row.occurred_at),
    transactionId: BigInt(row.transaction_id),
    schemaVersion: row.schema_version,
  };
  return event as unknown as StoredEvent<E>;
}
