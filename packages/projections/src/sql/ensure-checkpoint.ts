import type { ProjectorDb } from './db.js';

/** Inserts the row of a new projection at the start (version as defined); leaves an existing one alone. */
export async function ensureCheckpoint(db: ProjectorDb, name: string, version: number): Promise<void> {
  await db
    .insertInto('projection_checkpoints')
    .values({ name, version, transaction_id: '0', position: '0', status: 'idle', last_error: null, failed_position: null, owner: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}
