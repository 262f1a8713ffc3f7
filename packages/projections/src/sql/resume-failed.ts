import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * A failed projection may run again from its checkpoint (just before the event it failed on): clears the failure.
 * True when it was failed; false when it was not (nothing to do).
 */
export async function resumeFailed(db: ProjectorDb, name: string): Promise<boolean> {
  const result = await db
    .updateTable('projection_checkpoints')
    .set({ status: 'idle', last_error: null, failed_position: null, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('status', '=', 'failed')
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
