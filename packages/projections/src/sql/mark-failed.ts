import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Marks the projection failed at the event `position`, if its checkpoint is still at `from`. */
export async function markFailed(db: ProjectorDb, name: string, from: SettledCheckpoint, error: string, position: bigint, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('projection_checkpoints')
    .set({ status: 'failed', last_error: error, failed_position: position.toString(), owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
