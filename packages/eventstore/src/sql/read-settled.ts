import { sql, type Kysely } from 'kysely';
import { eventColumns, type EventRow } from '../map-row.js';
import { matchQuery, type QueryItemShape } from '../query-filter.js';
import { withStatementValue } from './with-statement-value.js';
import type { EventStoreTables } from '../schema/tables.js';
import type { SettledCheckpoint } from '../types.js';

/**
 * Events of transactions below `horizon` (from `settle()`, computed just before: this statement's snapshot is
 * newer, so every transaction `settle()` counted as ended is visible to it), after `after`, in
 * `(transaction_id, position)` order; a checkpoint is such a pair, and nothing can ever appear behind it.
 *
 * When the page is not full, the scan covered everything below the horizon, and the checkpoint moves up to
 * `(t + 1, 0)`, `t` being the highest transaction id of any stored event below the horizon: a filtered
 * subscription does not rescan events that did not match, and no checkpoint ever lies above every stored
 * transaction id (what a restore into another cluster relies on: see `relocate.ts`).
 *
 * Inside a caller's transaction it must be READ COMMITTED (a transaction snapshot older than `settle()` could
 * miss events `settle()` counted as settled): `isolation` says what it was.
 */
export async function readSettled(
  db: Kysely<EventStoreTables>,
  schema: string,
  query: readonly QueryItemShape[] | undefined,
  after: SettledCheckpoint,
  limit: number,
  horizon: bigint,
): Promise<{ rows: EventRow[]; checkpoint: SettledCheckpoint; isolation: string }> {
  let inner = db
    .selectFrom('events')
    .select(eventColumns)
    .where(
      (eb) => eb(eb.refTuple('events.transaction_id', 'events.position'), '>', eb.tuple(after.transactionId.toString(), after.position.toString())),
    )
    .where('events.transaction_id', '<', sql<string>`${horizon.toString()}::xid8`);
  if (query && query.length > 0) inner = inner.where((eb) => matchQuery(eb, query));
  inner = inner.orderBy('events.transaction_id').orderBy('events.position').limit(limit);

  const { rows, value } = await withStatementValue(db, settledValue(schema, horizon), inner, sql`e.transaction_id, e.position`);
  const [highest, isolation] = value.split('/') as [string, string];
  const last = rows[rows.length - 1];
  if (rows.length === limit && last) {
    return { rows, checkpoint: { transactionId: BigInt(last.transaction_id), position: BigInt(last.position) }, isolation };
  }
  return { rows, checkpoint: capped(after, highest), isolation };
}

/** The settled checkpoint of "now" (see {@link readSettled} for why it is capped). */
export async function settledCheckpointAt(db: Kysely<EventStoreTables>, schema: string, horizon: bigint): Promise<SettledCheckpoint> {
  const { rows } = await sql<{ value: string }>`SELECT ${settledValue(schema, horizon)} AS value`.execute(db);
  return capped({ transactionId: 0n, position: 0n }, rows[0]!.value.split('/')[0]!);
}

/** `<highest stored transaction id below the horizon, or empty>/<isolation>` of the statement. */
function settledValue(schema: string, horizon: bigint) {
  return sql<string>`(coalesce((SELECT max(x.transaction_id)::text FROM ${sql.id(schema, 'events')} x WHERE x.transaction_id < ${horizon.toString()}::xid8), '') || '/' || current_setting('transaction_isolation'))`;
}

function capped(after: SettledCheckpoint, highest: string): SettledCheckpoint {
  if (highest === '') return after;
  const next = BigInt(highest) + 1n;
  return next > after.transactionId ? { transactionId: next, position: 0n } : after;
}
