import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Puts the build's schema first on the transaction's search path (`SET LOCAL`, before the connection's own
 * path), so that a projection's unqualified table names create and write the build's tables.
 */
export async function enterBuildSchema(trx: ProjectorDb, schema: string): Promise<void> {
  await sql`SELECT set_config('search_path', quote_ident(${schema}) || ', ' || current_setting('search_path'), true)`.execute(trx);
}
