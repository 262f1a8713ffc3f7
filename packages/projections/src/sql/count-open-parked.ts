import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Open parked and held events per projection (of the version each is at), for `status()`. */
export async function countOpenParked(db: ProjectorDb, names: readonly string[]): Promise<Map<string, { parked: number; held: number }>> {
  const counts = new Map<string, { parked: number; held: number }>();
  if (names.length === 0) return counts;
  const rows = await db
    .selectFrom('projection_parked as p')
    .innerJoin('projection_checkpoints as c', (join) => join.onRef('c.name', '=', 'p.projection').onRef('c.version', '=', 'p.version'))
    .select(['p.projection', sql<number>`count(*) FILTER (WHERE p.state = 'parked')::int`.as('parked'), sql<number>`count(*) FILTER (WHERE p.state = 'held')::int`.as('held')])
    .where('p.projection', 'in', [...names])
    .where('p.target', '=', 'live')
    .where('p.state', 'in', ['parked', 'held'])
    .groupBy('p.projection')
    .execute();
  for (const row of rows) counts.set(row.projection, { parked: row.parked, held: row.held });
  return counts;
}
