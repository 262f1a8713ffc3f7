import type { ParkTarget } from '../schema/tables.js';
import type { ParkedEvent } from '../types.js';
import type { ProjectorDb } from './db.js';

/** The open (`parked` and `held`) events of a projection's version in `target`'s park, in the order the projection reads events. */
export async function loadOpenParked(db: ProjectorDb, projection: string, version: number, target: ParkTarget = 'live'): Promise<ParkedEvent[]> {
  const rows = await db
    .selectFrom('projection_parked')
    .selectAll()
    .where('projection', '=', projection)
    .where('version', '=', version)
    .where('target', '=', target)
    .where('state', 'in', ['parked', 'held'])
    .orderBy('transaction_id')
    .orderBy('position')
    .execute();
  return rows.map((row) => ({
    projection: row.projection,
    version: row.version,
    position: BigInt(row.position),
    transactionId: BigInt(row.transaction_id),
    eventId: row.event_id,
    type: row.event_type,
    tags: row.tags,
    state: row.state === 'held' ? 'held' : 'parked',
    heldBy: row.held_by === null ? null : BigInt(row.held_by),
    error: row.error,
    attempts: row.attempts,
    parkedAt: row.parked_at,
  }));
}
