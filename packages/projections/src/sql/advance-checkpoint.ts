import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Check-and-set: moves the checkpoint from `from` to `to`. Returns false (0 rows) if it was not at `from`. */
export async function advanceCheckpoint(
  db: ProjectorDb,
  name: string,
  from: SettledCheckpoint,
  to: SettledCheckpoint,
  status: string,
  owner: string,
): Promise<boolean> {
  const result = await db
    .updateTable('projection_checkpoints')
    .set({ transaction_id: to.transactionId.toString(), position: to.position.toString(), status, owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
