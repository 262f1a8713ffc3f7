import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Names of the tables (and views, sequences not owned by a column, …) in `schema`, besides indexes and owned sequences. */
export async function schemaTables(trx: ProjectorDb, schema: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = ${schema}
       AND c.relkind NOT IN ('i', 'I', 't')
       AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
     ORDER BY 1`.execute(trx);
  return rows.map((row) => row.name);
}
