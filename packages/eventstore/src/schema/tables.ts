import type { ColumnType, Generated } from 'kysely';

/** The `events` table as Kysely sees it (bigint and xid8 arrive as strings from `pg`). */
export interface EventsTable {
  position: Generated<string>;
  transaction_id: Generated<string>;
  id: string;
  type: string;
  data: ColumnType<unknown, string, never>;
  tags: ColumnType<string[], string[], never>;
  metadata: ColumnType<Record<string, unknown>, string, never>;
  occurred_at: Generated<Date>;
}

/** Tables of the store's schema. */
export interface EventStoreTables {
  events: EventsTable;
}

/** SQLSTATE raised by the immutability triggers. */
export const IMMUTABLE_EVENTS_SQLSTATE = 'TLY01';
/** SQLSTATE raised for a conditional append inside a REPEATABLE READ transaction. */
export const REPEATABLE_READ_SQLSTATE = 'TLY02';
