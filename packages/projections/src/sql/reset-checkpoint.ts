import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Resets the checkpoint to the start with `version` (inside the rebuild transaction). */
export async function resetCheckpoint(db: ProjectorDb, name: string, version: number, status: string, owner: string | null): Promise<void> {
  await db
    .updateTable('projection_checkpoints')
    .set({ version, transaction_id: '0', position: '0', status, last_error: null, failed_position: null, owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .execute();
}
