import type { ProjectorDb } from './db.js';

/**
 * Locks the checkpoint row wherever it is (an operator action, a rebuild): waits for the batch in flight to end,
 * and keeps the next one from starting until this transaction ends. Returns the row's version and status, or
 * undefined when the projection has no row.
 */
export async function lockCheckpoint(db: ProjectorDb, name: string): Promise<{ version: number; status: string } | undefined> {
  return db.selectFrom('projection_checkpoints').select(['version', 'status']).where('name', '=', name).forUpdate().executeTakeFirst();
}
