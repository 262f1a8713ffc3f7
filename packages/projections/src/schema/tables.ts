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

/** Tables of the projector, plus the store's events table (read for status). */
export interface ProjectorTables {
  projection_checkpoints: CheckpointsTable;
  events: { position: string; occurred_at: Date; transaction_id: string };
}
