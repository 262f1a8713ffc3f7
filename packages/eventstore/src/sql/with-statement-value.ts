import { sql, type Kysely, type OperationNodeSource, type RawBuilder } from 'kysely';
import type { EventRow } from '../map-row.js';
import type { EventStoreTables } from '../schema/tables.js';

/**
 * Runs `inner` (a query of event rows) and, in the same statement and so from the same snapshot, evaluates
 * `value` (e.g. `pg_current_snapshot()::text`). The LEFT JOIN LATERAL keeps one row, and so the value, when
 * `inner` matches nothing.
 */
export async function withStatementValue(
  db: Kysely<EventStoreTables>,
  value: RawBuilder<string>,
  inner: OperationNodeSource,
  orderBy: RawBuilder<unknown>,
): Promise<{ rows: EventRow[]; value: string }> {
  const result = await sql<EventRow & { statement_value: string }>`
    SELECT s.statement_value, e.*
      FROM (SELECT ${value} AS statement_value) s
      LEFT JOIN LATERAL (${inner}) e ON true
     ORDER BY ${orderBy}`.execute(db);
  const first = result.rows[0];
  if (!first) throw new Error('a LEFT JOIN LATERAL returned no row');
  return { rows: first.position === null ? [] : result.rows, value: first.statement_value };
}
