import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Makes the build's version and checkpoint the live ones (inside the switch, with the row locked). */
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
    })
    .where('name', '=', name)
    .execute();
}
