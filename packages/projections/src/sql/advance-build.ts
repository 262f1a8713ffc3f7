import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Check-and-set: moves the build's checkpoint from `from` to `to`; `caughtUp` (the batch was not full) records
 * when it first caught up. Returns false (0 rows) if it was not at `from`.
 */
export async function advanceBuild(db: ProjectorDb, name: string, from: SettledCheckpoint, to: SettledCheckpoint, owner: string, caughtUp: boolean): Promise<boolean> {
  const result = await db
    .updateTable('projection_builds')
    .set({
      transaction_id: to.transactionId.toString(),
      position: to.position.toString(),
      owner,
      updated_at: sql<Date>`now()`,
      ...(caughtUp ? { caught_up_at: sql<Date>`coalesce(caught_up_at, now())` } : {}),
    })
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
