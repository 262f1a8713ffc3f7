import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Records why the build's switch failed (it stays `building` and is retried), for `status()`. */
export async function noteBuildError(db: ProjectorDb, name: string, version: number, error: string): Promise<void> {
  await db
    .updateTable('projection_builds')
    .set({ last_error: error, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('target_version', '=', version)
    .execute();
}
