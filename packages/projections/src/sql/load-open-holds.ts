import { sql } from 'kysely';
import type { ParkTarget } from '../schema/tables.js';
import type { ProjectorDb } from './db.js';

/**
 * The open (`parked` and `held`) events of a projection's version in `target`'s park that share a tag with `tags`
 * (a batch's), in the projection's order: only those can hold back an event of the batch. Costs what the batch
 * meets, not what the park holds.
 */
export async function loadOpenHolds(
  db: ProjectorDb,
  projection: string,
  version: number,
  target: ParkTarget,
  tags: readonly string[],
): Promise<{ position: bigint; tags: string[] }[]> {
  const rows = await db
    .selectFrom('projection_parked')
    .select(['position', 'tags'])
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('target', '=', target)
    .where('state', 'in', ['parked', 'held'])
    .where(sql<boolean>`tags && ${[...tags]}::text[]`)
    .orderBy('transaction_id')
    .orderBy('position')
    .execute();
  return rows.map((row) => ({ position: BigInt(row.position), tags: row.tags }));
}
