import type { ProjectorDb } from './db.js';

/** A new build starts with an empty park (what an abandoned build of the projection parked is stale). */
export async function deleteBuildParked(db: ProjectorDb, projection: string): Promise<void> {
  await db.deleteFrom('projection_parked').where('projection', '=', projection).where('target', '=', 'build').execute();
}
