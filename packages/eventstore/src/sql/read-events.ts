import { sql, type Kysely } from 'kysely';
import { eventColumns, type EventRow } from '../map-row.js';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import type { EventStoreTables } from '../schema/tables.js';
import type { ReadOptions } from '../types.js';

/**
 * Reads matching events and, in the same statement, the statement's MVCC snapshot. The snapshot is what
 * the read saw: events of transactions invisible to it are exactly the ones a later condition must catch.
 * The LEFT JOIN LATERAL keeps one row (and so the snapshot) when nothing matches.
 */
export async function readEvents(
  db: Kysely<EventStoreTables>,
  query: readonly QueryItemShape[] | undefined,
  options: ReadOptions,
): Promise<{ rows: EventRow[]; snapshot: string }> {
  let inner = db.selectFrom('events').select(eventColumns);
  if (query && query.length > 0) inner = inner.where((eb) => matchQuery(eb, query));
  if (options.after !== undefined) inner = inner.where('events.position', '>', options.after.toString());
  inner = inner.orderBy('events.position', options.backwards ? 'desc' : 'asc');
  if (options.limit !== undefined) inner = inner.limit(options.limit);

  const direction = sql.raw(options.backwards ? 'DESC' : 'ASC');
  const result = await sql<EventRow & { snapshot: string }>`
    SELECT s.snapshot, e.*
      FROM (SELECT pg_current_snapshot()::text AS snapshot) s
      LEFT JOIN LATERAL (${inner}) e ON true
     ORDER BY e.position ${direction}`.execute(db);
  const first = result.rows[0];
  if (!first) throw new Error('read returned no snapshot row');
  const rows = first.position === null ? [] : result.rows;
  return { rows, snapshot: first.snapshot };
}
