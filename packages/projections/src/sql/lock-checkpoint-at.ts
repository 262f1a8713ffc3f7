import type { SettledCheckpoint } from '@tally/eventstore';
import type { ProjectorDb } from './db.js';

/**
 * Locks the checkpoint row if it is still at `from` (first statement of a batch transaction): the batch then
 * owns the row until commit, and a rebuild, an operator action or another worker waits (or finds it moved).
 * False if it moved, the projection is failed, or its version is no longer `version` (a build of another version
 * switched in: its checkpoint may even equal `from`).
 */
export async function lockCheckpointAt(db: ProjectorDb, name: string, from: SettledCheckpoint, version: number): Promise<boolean> {
  const row = await db
    .selectFrom('projection_checkpoints')
    .select('name')
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .where('status', '<>', 'failed')
    .where('version', '=', version)
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}
