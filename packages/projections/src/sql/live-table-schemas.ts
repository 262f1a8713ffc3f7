import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * For each of `tables`, the schema its unqualified name resolves to on the current search path (`existing`
 * true), or, for a table that does not exist yet, the schema it would be created in (`current_schema()`).
 * Run before the build's schema is put on the path.
 */
export async function liveTableSchemas(trx: ProjectorDb, tables: readonly string[]): Promise<{ table: string; schema: string | null; existing: boolean }[]> {
  const { rows } = await sql<{ table: string; schema: string | null; existing: boolean }>`
    SELECT t.name AS "table",
           coalesce(n.nspname, current_schema()) AS "schema",
           c.oid IS NOT NULL AS existing
      FROM unnest(${[...tables]}::text[]) WITH ORDINALITY AS t(name, i)
      LEFT JOIN pg_class c ON c.oid = to_regclass(quote_ident(t.name))
      LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
     ORDER BY t.i`.execute(trx);
  return rows;
}
