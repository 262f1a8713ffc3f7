import type { ProjectorDb } from './db.js';

/** Deletes the parked rows of a version that is no longer live (its tables were just replaced). */
export async function deleteParkedVersion(db: ProjectorDb, projection: string, version: number): Promise<void> {
  await db.deleteFrom('projection_parked').where('projection', '=', projection).where('version', '=', version).execute();
}
