import type { EventRow } from '../map-row.js';
import { matchQueryText, type QueryItemShape } from '../query-filter.js';
import type { HeadParts } from '../head.js';
import type { ReadOptions } from '../types.js';
import type { StatementNames, StatementRunner } from './runner.js';
import { unseenByHead } from './unseen-by-head.js';

/**
 * Reads matching events and, in the same statement, what the statement saw (`head_state()`: its MVCC snapshot,
 * and how far its own transaction had written): the events it did not see are exactly the ones a later
 * condition must catch. The caller signs it into a head.
 *
 * The text is built here rather than by Kysely: it depends only on the query's shape (which criteria each
 * item has, whether `after`/`limit` are set, the direction), so a store can keep each shape prepared, and a
 * read costs no query compile. The WHERE clause is `matchQueryText`, the text twin of `matchQuery`.
 */
export async function readEvents(
  run: StatementRunner,
  names: StatementNames,
  schema: string,
  query: readonly QueryItemShape[] | undefined,
  options: ReadOptions,
  /** With `options.after`: also the events at or below it that the read behind this head did not see. */
  unseenBy?: HeadParts,
): Promise<{ rows: EventRow[]; headState: string }> {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  if (query && query.length > 0) where.push(matchQueryText(query, param));
  if (options.after !== undefined && unseenBy) {
    const snapshot = `${param(unseenBy.snapshot)}::pg_snapshot`;
    const unseen = unseenByHead(
      '"events"."transaction_id"',
      '"events"."position"',
      snapshot,
      `${param(unseenBy.own ?? '0')}::xid8`,
      `${param(unseenBy.ownPosition ?? '0')}::bigint`,
    );
    where.push(
      `("events"."position" > ${param(options.after.toString())} OR ("events"."transaction_id" >= pg_snapshot_xmin(${snapshot}) AND ${unseen}))`,
    );
  } else if (options.after !== undefined) {
    where.push(`"events"."position" > ${param(options.after.toString())}`);
  }
  const direction = options.backwards ? 'DESC' : 'ASC';
  const limit = options.limit !== undefined ? ` LIMIT ${param(options.limit)}` : '';
  const text =
    // Most reads run outside any transaction that has an id: their head state is the snapshot alone, without the
    // call of head_state() (measured with pgbench, 8 clients: the call cost a tagged read about 10 %).
    `SELECT s.statement_value, e.* FROM (SELECT CASE WHEN pg_current_xact_id_if_assigned() IS NULL THEN "${schema}".snapshot()::text || '//' ` +
    `ELSE "${schema}".head_state() END AS statement_value) s LEFT JOIN LATERAL (` +
    `SELECT "events"."position", "events"."transaction_id", "events"."id", "events"."type", "events"."data", "events"."tags", ` +
    `"events"."metadata", "events"."occurred_at", "events"."schema_version" FROM "${schema}"."events"` +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY "events"."position" ${direction}${limit}) e ON true ORDER BY e.position ${direction}`;

  const rows = await run<EventRow & { statement_value: string }>(text, values, names.nameOf(text));
  const first = rows[0];
  if (!first) throw new Error('a LEFT JOIN LATERAL returned no row');
  return { rows: first.position === null ? [] : rows, headState: first.statement_value };
}
