import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Makes the build's version, checkpoint and erasure progress the live ones (inside the switch, with the row
 * locked; before the build row is deleted).
 */
export async function promoteBuild(db: ProjectorDb, name: string, version: number, checkpoint: SettledCheckpoint, owner: string): Promise<void> {
  await db
    .updateTable('projection_checkpoints')
    .set({
      version,
      transaction_id: checkpoint.transactionId.toString(),
      position: checkpoint.position.toString(),
      status: 'running',
      last_error: null,
      failed_position: null,
      owner,
      updated_at: sql<Date>`now()`,
      erasure_sequence: (eb) => eb.selectFrom('projection_builds').select('erasure_sequence').where('name', '=', name),
    })
    .where('name', '=', name)
    .execute();
}
