import { sql, type Kysely } from 'kysely';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import type { EventStoreTables } from '../schema/tables.js';
import type { Lag, SettledCheckpoint } from '../types.js';

/**
 * Committed events matching `query` after the checkpoint `after` (in `(transaction_id, position)` order), at most
 * `limit` of them: how many, how many are not settled yet (at or above `horizon`), and the age of the oldest by
 * the server's clock. One count over the `(transaction_id, position)` index; no event row leaves the server.
 */
export async function lagAfter(
  db: Kysely<EventStoreTables>,
  query: readonly QueryItemShape[] | undefined,
  after: SettledCheckpoint,
  limit: number,
  horizon: bigint,
): Promise<Lag> {
  let inner = db
    .selectFrom('events')
    .select(['events.transaction_id', 'events.position', 'events.occurred_at'])
    .where((eb) => eb(eb.refTuple('events.transaction_id', 'events.position'), '>', eb.tuple(after.transactionId.toString(), after.position.toString())));
  if (query && query.length > 0) inner = inner.where((eb) => matchQuery(eb, query));
  const { rows } = await sql<{ events: number; unsettled: number; oldest_ms: number | null; first: string | null }>`
    SELECT count(*)::int AS events, min(l.position)::text AS first,
           count(*) FILTER (WHERE l.transaction_id >= ${horizon.toString()}::xid8)::int AS unsettled,
           floor(extract(epoch FROM clock_timestamp() - min(l.occurred_at)) * 1000)::float8 AS oldest_ms
      FROM (${inner.limit(limit)}) AS l`.execute(db);
  const row = rows[0]!;
  return {
    events: row.events,
    unsettledEvents: row.unsettled,
    oldestAgeMs: row.oldest_ms === null ? null : Math.max(0, row.oldest_ms),
    firstPosition: row.first === null ? null : BigInt(row.first),
  };
}
