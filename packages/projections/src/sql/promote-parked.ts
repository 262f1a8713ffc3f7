import type { ProjectorDb } from './db.js';

/**
 * At a build's switch: its park becomes the live one. The live tables' park (of the version replaced, or of the same
 * version when `rebuild` built it again) goes with the tables: the build met every event again.
 */
export async function promoteParked(db: ProjectorDb, projection: string): Promise<void> {
  await db.deleteFrom('projection_parked').where('projection', '=', projection).where('target', '=', 'live').execute();
  await db.updateTable('projection_parked').set({ target: 'live' }).where('projection', '=', projection).where('target', '=', 'build').execute();
}
