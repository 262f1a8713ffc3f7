import { sql, type Kysely } from 'kysely';

/** The highest position in the store (0 when it is empty). */
export async function storeHead<DB>(db: Kysely<DB>, schema: string): Promise<bigint> {
  const { rows } = await sql<{ head: string | null }>`SELECT max(position)::text AS head FROM ${sql.id(schema, 'events')}`.execute(db);
  return BigInt(rows[0]?.head ?? '0');
}
