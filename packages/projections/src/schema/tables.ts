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
  /** The last store erasure whose `onErase` ran on the live tables (migration 0004). */
  erasure_sequence: ColumnType<string, string | bigint | undefined, string | bigint>;
}

/** State of a parked row: `parked` and `held` are open; `retried` and `skipped` are the record of how it ended. */
export type ParkedState = 'parked' | 'held' | 'retried' | 'skipped';

/** Whose park a row is in: the live tables', or a build's beside them. */
export type ParkTarget = 'live' | 'build';

/** `<schema>.projection_parked`: events a projection set aside (see migration 0002). */
export interface ParkedTable {
  projection: string;
  version: number;
  target: ColumnType<ParkTarget, ParkTarget | undefined, ParkTarget>;
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

/** State of a build: `new` (requested, not set up yet), `building`, `failed` (its handler kept failing). */
export type BuildState = 'new' | 'building' | 'failed';

/** `<schema>.projection_builds`: the build in progress of a projection with `tables` (see migration 0003). */
export interface BuildsTable {
  name: string;
  target_version: number;
  build_schema: string;
  transaction_id: ColumnType<string, string | bigint | undefined, string | bigint>;
  position: ColumnType<string, string | bigint | undefined, string | bigint>;
  status: BuildState;
  last_error: ColumnType<string | null, string | null | undefined, string | null>;
  failed_position: ColumnType<string | null, string | bigint | null | undefined, string | bigint | null>;
  owner: string | null;
  started_at: ColumnType<Date, Date | undefined, Date>;
  caught_up_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  /** The last store erasure whose `onErase` ran on the build's tables (migration 0004). */
  erasure_sequence: ColumnType<string, string | bigint | undefined, string | bigint>;
}

/** Tables of the projector, plus the store's events table (read for status). */
export interface ProjectorTables {
  projection_checkpoints: CheckpointsTable;
  projection_parked: ParkedTable;
  projection_builds: BuildsTable;
  events: { position: string; occurred_at: Date; transaction_id: string };
}
