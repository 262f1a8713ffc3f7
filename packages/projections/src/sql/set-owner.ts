import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Records which worker runs the projection now (status only: ownership itself is the advisory lock). */
export async function setOwner(db: ProjectorDb, name: string, owner: string, status: string): Promise<void> {
  await db.updateTable('projection_checkpoints').set({ owner, status, updated_at: sql<Date>`now()` }).where('name', '=', name).execute();
}
