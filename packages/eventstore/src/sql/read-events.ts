import { sql, type Kysely } from 'kysely';
import { eventColumns, type EventRow } from '../map-row.js';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import { withStatementValue } from './with-statement-value.js';
import type { EventStoreTables } from '../schema/tables.js';
import type { ReadOptions } from '../types.js';

/**
 * Reads matching events and, in the same statement, the statement's MVCC snapshot. The snapshot is what
 * the read saw: events of transactions invisible to it are exactly the ones a later condition must catch.
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
  const { rows, value } = await withStatementValue(db, sql<string>`pg_current_snapshot()::text`, inner, sql`e.position ${direction}`);
  return { rows, snapshot: value };
}
