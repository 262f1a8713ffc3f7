import { sql, type Kysely } from 'kysely';
import { eventColumns, type EventRow } from '../map-row.js';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import { withStatementValue } from './with-statement-value.js';
import type { EventStoreTables } from '../schema/tables.js';
import type { SettledCheckpoint } from '../types.js';

/**
 * Events whose writing transaction is settled: its id is below the xmin of the current snapshot, so every
 * transaction that could still add an event below it has finished. Ordered by `(transaction_id, position)`;
 * a checkpoint is such a pair, and nothing can ever appear behind it.
 *
 * When the page is not full, the scan covered everything below the horizon, and the returned checkpoint
 * moves up to `(horizon, 0)`: a filtered subscription does not rescan events that did not match.
 */
export async function readSettled(
  db: Kysely<EventStoreTables>,
  query: readonly QueryItemShape[] | undefined,
  after: SettledCheckpoint,
  limit: number,
): Promise<{ rows: EventRow[]; checkpoint: SettledCheckpoint }> {
  let inner = db
    .selectFrom('events')
    .select(eventColumns)
    .where(
      (eb) => eb(eb.refTuple('events.transaction_id', 'events.position'), '>', eb.tuple(after.transactionId.toString(), after.position.toString())),
    )
    .where('events.transaction_id', '<', sql<string>`pg_snapshot_xmin(pg_current_snapshot())`);
  if (query && query.length > 0) inner = inner.where((eb) => matchQuery(eb, query));
  inner = inner.orderBy('events.transaction_id').orderBy('events.position').limit(limit);

  const { rows, value: horizonText } = await withStatementValue(
    db,
    sql<string>`pg_snapshot_xmin(pg_current_snapshot())::text`,
    inner,
    sql`e.transaction_id, e.position`,
  );
  const last = rows[rows.length - 1];
  if (rows.length === limit && last) {
    return { rows, checkpoint: { transactionId: BigInt(last.transaction_id), position: BigInt(last.position) } };
  }
  const horizon = BigInt(horizonText);
  const checkpoint =
    horizon > after.transactionId ? { transactionId: horizon, position: 0n } : after;
  return { rows, checkpoint };
}

/** The checkpoint of "now": everything settled so far counts as handled. */
export async function settledHorizon(db: Kysely<EventStoreTables>): Promise<SettledCheckpoint> {
  const { rows } = await sql<{ horizon: string }>`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`.execute(db);
  return { transactionId: BigInt(rows[0]!.horizon), position: 0n };
}
