import type { SettledCheckpoint } from '@tally/eventstore';
import type { ProjectorDb } from './db.js';

/** A checkpoint row as the projector uses it. */
export interface CheckpointRow {
  readonly name: string;
  readonly version: number;
  readonly checkpoint: SettledCheckpoint;
  readonly status: string;
  readonly lastError: string | null;
  readonly failedPosition: bigint | null;
  readonly owner: string | null;
}

/** Loads checkpoint rows (all, or the named ones). */
export async function loadCheckpoints(db: ProjectorDb, names?: readonly string[]): Promise<CheckpointRow[]> {
  let query = db.selectFrom('projection_checkpoints').selectAll();
  if (names) query = query.where('name', 'in', names.length > 0 ? [...names] : ['']);
  const rows = await query.execute();
  return rows.map((row) => ({
    name: row.name,
    version: row.version,
    checkpoint: { transactionId: BigInt(row.transaction_id), position: BigInt(row.position) },
    status: row.status,
    lastError: row.last_error,
    failedPosition: row.failed_position === null ? null : BigInt(row.failed_position),
    owner: row.owner,
  }));
}
