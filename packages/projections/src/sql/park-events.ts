import type { ParkedState, ParkTarget } from '../schema/tables.js';
import type { ProjectorDb } from './db.js';

/** A row to write into `projection_parked`. */
export interface NewParkedRow {
  readonly position: bigint;
  readonly transactionId: bigint;
  readonly eventId: string;
  readonly type: string;
  readonly tags: readonly string[];
  readonly state: Extract<ParkedState, 'parked' | 'held'>;
  readonly heldBy: bigint | null;
  readonly error: string | null;
  readonly attempts: number;
}

/** Records events a batch sets aside (inside the batch transaction, so they commit with its checkpoint). */
export async function parkEvents(db: ProjectorDb, projection: string, version: number, target: ParkTarget, rows: readonly NewParkedRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('projection_parked')
    .values(
      rows.map((row) => ({
        projection,
        version,
        target,
        position: row.position.toString(),
        transaction_id: row.transactionId.toString(),
        event_id: row.eventId,
        event_type: row.type,
        tags: [...row.tags],
        state: row.state,
        held_by: row.heldBy === null ? null : row.heldBy.toString(),
        error: row.error,
        attempts: row.attempts,
      })),
    )
    .execute();
}
