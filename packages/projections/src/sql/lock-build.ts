import type { ProjectorDb } from './db.js';

/** Locks the projection's build row wherever it is (setting a build up, requesting one); undefined when there is none. */
export async function lockBuild(db: ProjectorDb, name: string): Promise<{ version: number; status: string } | undefined> {
  const row = await db.selectFrom('projection_builds').select(['target_version', 'status']).where('name', '=', name).forUpdate().executeTakeFirst();
  return row && { version: row.target_version, status: row.status };
}
