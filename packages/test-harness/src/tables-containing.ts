import pg from 'pg';

/**
 * The tables of the database at `connectionString` (every schema but PostgreSQL's own) whose rows, as text,
 * contain `needle` as text or as the hex of its UTF-8 bytes (how a `bytea` column prints): to prove that a
 * value is stored nowhere — events, tags, metadata, read models, checkpoints, parked rows, key tables.
 * Case-insensitive. Returns `schema.table` names.
 */
export async function tablesContaining(connectionString: string, needle: string): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ schema: string; name: string }>(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'`,
    );
    const hex = Buffer.from(needle, 'utf8').toString('hex');
    const found: string[] = [];
    for (const table of tables) {
      const name = `${client.escapeIdentifier(table.schema)}.${client.escapeIdentifier(table.name)}`;
      const { rows } = await client.query<{ hit: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM ${name} t WHERE strpos(lower(t::text), lower($1)) > 0 OR strpos(lower(t::text), $2) > 0) AS hit`,
        [needle, hex],
      );
      if (rows[0]!.hit) found.push(`${table.schema}.${table.name}`);
    }
    return found;
  } finally {
    await client.end();
  }
}
