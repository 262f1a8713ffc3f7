import { sql, type Kysely } from 'kysely';

/** The MVCC snapshot of this moment, in the store's transaction-id space (`<schema>.snapshot()`), as text. */
export async function callerSnapshot<DB>(db: Kysely<DB>, schema: string): Promise<string> {
  const { rows } = await sql<{ snapshot: string }>`SELECT ${sql.id(schema, 'snapshot')}()::text AS snapshot`.execute(db);
  return rows[0]!.snapshot;
}
