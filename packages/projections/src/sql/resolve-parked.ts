import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Closes an open parked row: `retried` (applied now) or `skipped` (acknowledged, never applied), with who did it. */
export async function resolveParked(
  db: ProjectorDb,
  projection: string,
  version: number,
  position: bigint,
  state: 'retried' | 'skipped',
  by: string,
): Promise<boolean> {
  const result = await db
    .updateTable('projection_parked')
    .set({ state, resolved_at: sql<Date>`now()`, resolved_by: by })
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('target', '=', 'live')
    .where('position', '=', position.toString())
    .where('state', 'in', ['parked', 'held'])
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
