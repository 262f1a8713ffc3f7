import type { ProjectorDb } from './db.js';

/** Deletes the projection's build row (switched, or dropped as stale). */
export async function deleteBuild(db: ProjectorDb, name: string): Promise<void> {
  await db.deleteFrom('projection_builds').where('name', '=', name).execute();
}
