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
  /** The schema version the event was written with (migration 0006). */
  schema_version: Generated<number>;
}

/** Tables of the store's schema. */
export interface EventStoreTables {
  events: EventsTable;
}

/** SQLSTATE raised by the immutability triggers. */
export const IMMUTABLE_EVENTS_SQLSTATE = 'TLY01';
/** SQLSTATE raised for a conditional append inside a REPEATABLE READ transaction. */
export const REPEATABLE_READ_SQLSTATE = 'TLY02';
/** SQLSTATE raised for an append from a transaction that followers may have passed (see `settle()`). */
export const TOO_OLD_SQLSTATE = 'TLY03';
/** SQLSTATE raised for a head that lies in the future of the store (it cannot come from a read of it). */
export const INVALID_HEAD_SQLSTATE = 'TLY04';
/** SQLSTATE raised by `refuse_erased()` for an append whose personal data is encrypted for an erased subject. */
export const SUBJECT_ERASED_SQLSTATE = 'TLY05';
/**
 * The transaction-local setting by which a transaction declares it never appends to the store of `schema`
 * (a projector's batch): followers pass it at once, and its appends are refused. `schema` is a plain identifier.
 */
export const noAppendSetting = (schema: string): string => `tally.no_append_${schema}`;
/** `s` is the quoted schema name (`"name"`) the SQL texts are built with. */
export const unquoted = (s: string): string => s.slice(1, -1);
