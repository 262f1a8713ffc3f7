import type { SettledCheckpoint } from '@tally/eventstore';
import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Marks the build failed at the event `position`, if it still builds `version` from `from` (the live tables keep serving). */
export async function markBuildFailed(db: ProjectorDb, name: string, version: number, from: SettledCheckpoint, error: string, position: bigint, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('projection_builds')
    .set({ status: 'failed', last_error: error, failed_position: position.toString(), owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('target_version', '=', version)
    .where('status', '=', 'building')
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
