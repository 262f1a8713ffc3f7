import type { Kysely } from 'kysely';
import { eventColumns, type EventRow } from '../map-row.js';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import type { EventStoreTables } from '../schema/tables.js';

/** One page of a positional scan: matching events with a position above `after`, ascending. */
export async function readPage(
  db: Kysely<EventStoreTables>,
  query: readonly QueryItemShape[] | undefined,
  after: bigint,
  limit: number,
): Promise<EventRow[]> {
  let q = db.selectFrom('events').select(eventColumns).where('events.position', '>', after.toString());
  if (query && query.length > 0) q = q.where((eb) => matchQuery(eb, query));
  return q.orderBy('events.position').limit(limit).execute();
}
