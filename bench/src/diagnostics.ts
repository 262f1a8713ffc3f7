import pg from 'pg';

/** Runs `work` on a fresh client of `url`, closing it afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on a connection of its own. */
export const sqlOn = (url: string, text: string): Promise<pg.QueryResult> => withClient(url, (c) => c.query(text));

/** CHECKPOINT so one phase's dirty pages are not written out during the next; skipped without the privilege. */
export const checkpoint = (url: string): Promise<unknown> => sqlOn(url, 'CHECKPOINT').catch(() => undefined);

/**
 * ANALYZE the tables the append scenarios write (raw, Tally's and Emmett's), so the planner's view of
 * them follows their growth as autovacuum would keep it (this server may run with autovacuum off).
 */
export async function analyzeAppendTables(url: string): Promise<void> {
  await withClient(url, async (c) => {
    const { rows } = await c.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
        WHERE (schemaname IN ('raw', 'tally') AND tablename = 'events') OR tablename LIKE 'emt\\_%'`,
    );
    if (rows.length > 0) await c.query(`ANALYZE ${rows.map((r) => r.name).join(', ')}`);
  });
}

/** A table's size and the state of its tags GIN index (pending list of `fastupdate`), as a sentence. */
export async function describeTable(url: string, schema: string): Promise<string> {
  return withClient(url, async (c) => {
    const count = await c.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${schema}.events`);
    let gin = 'GIN pending list unknown (pgstattuple not available)';
    try {
      await c.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
      const p = await c.query<{ pending_pages: number; pending_tuples: string }>(
        `SELECT pending_pages, pending_tuples::text FROM pgstatginindex($1::regclass)`,
        [`${schema}.events_tags_idx`],
      );
      const row = p.rows[0];
      if (row) gin = `tags GIN pending list ${row.pending_pages} pages (${Number(row.pending_tuples).toLocaleString('en-US')} entries)`;
    } catch {
      // keep the "unknown" text
    }
    return `${schema}.events: ${Number(count.rows[0]?.n ?? 0).toLocaleString('en-US')} rows, ${gin}`;
  });
}
