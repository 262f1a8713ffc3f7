import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** A parked or held event whose handler failed (again): it is parked, with the new error and one more attempt. */
export async function recordParkFailure(db: ProjectorDb, projection: string, version: number, position: bigint, error: string): Promise<void> {
  await db
    .updateTable('projection_parked')
    .set({ state: 'parked', error, attempts: sql<number>`attempts + 1`, held_by: null })
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('target', '=', 'live')
    .where('position', '=', position.toString())
    .execute();
}
