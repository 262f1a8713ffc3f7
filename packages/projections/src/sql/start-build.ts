import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Records a build of `version` that was just set up in `schema`, at the start, run by `owner`. */
export async function startBuild(db: ProjectorDb, name: string, version: number, schema: string, owner: string): Promise<void> {
  const fresh = {
    target_version: version,
    build_schema: schema,
    transaction_id: '0',
    position: '0',
    status: 'building' as const,
    last_error: null,
    failed_position: null,
    owner,
    caught_up_at: null,
    started_at: sql<Date>`now()`,
    updated_at: sql<Date>`now()`,
  };
  await db
    .insertInto('projection_builds')
    .values({ name, ...fresh })
    .onConflict((oc) => oc.column('name').doUpdateSet(fresh))
    .execute();
}
