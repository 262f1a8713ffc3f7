import type { ColumnType } from 'kysely';

/** `<schema>.projection_checkpoints`: one row per projection (bigint/xid8 values arrive as strings from `pg`). */
export interface CheckpointsTable {
  name: string;
  version: number;
  transaction_id: ColumnType<string, string | bigint, string | bigint>;
  position: ColumnType<string, string | bigint, string | bigint>;
  status: string;
  last_error: string | null;
  failed_position: ColumnType<string | null, string | bigint | null, string | bigint | null>;
  owner: string | null;
  updated_at: ColumnType<Date, Date | undefined, Date>;
}

/** State of a parked row: `parked` and `held` are open; `retried` and `skipped` are the record of how it ended. */
export type ParkedState = 'parked' | 'held' | 'retried' | 'skipped';

/** `<schema>.projection_parked`: events a projection set aside (see migration 0002). */
export interface ParkedTable {
  projection: string;
  version: number;
  position: ColumnType<string, string | bigint, string | bigint>;
  transaction_id: ColumnType<string, string | bigint, string | bigint>;
  event_id: string;
  event_type: string;
  tags: string[];
  state: ParkedState;
  held_by: ColumnType<string | null, string | bigint | null, string | bigint | null>;
  error: string | null;
  attempts: number;
  parked_at: ColumnType<Date, Date | undefined, Date>;
  resolved_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  resolved_by: string | null;
}

/** Tables of the projector, plus the store's events table (read for status). */
export interface ProjectorTables {
  projection_checkpoints: CheckpointsTable;
  projection_parked: ParkedTable;
  events: { position: string; occurred_at: Date; transaction_id: string };
}
