import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Asks for a build of `version` from the start (`rebuild`): inserts the build row as `new`, or turns the one
 * there into a new one (its worker then finds its checkpoint moved and sets the build up again).
 */
export async function requestBuild(db: ProjectorDb, name: string, version: number, schema: string): Promise<void> {
  const fresh = {
    target_version: version,
    build_schema: schema,
    transaction_id: '0',
    position: '0',
    status: 'new' as const,
    last_error: null,
    failed_position: null,
    caught_up_at: null,
    started_at: sql<Date>`now()`,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('projection_builds')
    .values({ name, owner: null, ...fresh })
    .onConflict((oc) => oc.column('name').doUpdateSet(fresh))
    .execute();
}
