import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Records which worker runs the build now (status only: ownership itself is the build's advisory lock). */
export async function setBuildOwner(db: ProjectorDb, name: string, owner: string): Promise<void> {
  await db.updateTable('projection_builds').set({ owner, updated_at: sql<Date>`now()` }).where('name', '=', name).execute();
}
