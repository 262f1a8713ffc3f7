import type { ParkTarget } from '../schema/tables.js';
import type { ProjectorDb } from './db.js';

/** The last erasure a projection's live tables or build has scrubbed (its row is locked by the batch). */
export async function loadErasureProgress(db: ProjectorDb, name: string, target: ParkTarget): Promise<bigint> {
  const table = target === 'live' ? 'projection_checkpoints' : 'projection_builds';
  const row = await db.selectFrom(table).select('erasure_sequence').where('name', '=', name).executeTakeFirst();
  return BigInt(row?.erasure_sequence ?? 0);
}

/** Records that the batch scrubbed erasures up to `sequence` (in the batch transaction). */
export async function saveErasureProgress(db: ProjectorDb, name: string, target: ParkTarget, sequence: bigint): Promise<void> {
  const table = target === 'live' ? 'projection_checkpoints' : 'projection_builds';
  await db.updateTable(table).set({ erasure_sequence: sequence.toString() }).where('name', '=', name).execute();
}
