import type { SettledCheckpoint } from '@tally/eventstore';
import type { ProjectorDb } from './db.js';

/**
 * Locks the build row if it still builds `version` from `from` (first statement of a build batch, after the
 * search path): false if it moved, was requested again (`new`), failed, switched or was replaced.
 */
export async function lockBuildAt(db: ProjectorDb, name: string, version: number, from: SettledCheckpoint): Promise<boolean> {
  const row = await db
    .selectFrom('projection_builds')
    .select('name')
    .where('name', '=', name)
    .where('target_version', '=', version)
    .where('status', '=', 'building')
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}
