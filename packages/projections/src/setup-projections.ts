import type { EventShape } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import { migrateProjector } from './schema/migrate.js';
import type { ProjectorTables } from './schema/tables.js';
import { ensureCheckpoint } from './sql/ensure-checkpoint.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import type { Projection } from './types.js';

/**
 * What a projector does before anything else: migrates its tables, sets up each projection's read tables and
 * creates its checkpoint row. Workers starting together would race on `CREATE TABLE IF NOT EXISTS` (which can fail
 * on a duplicate catalog row), so setups run one at a time per schema (a transaction advisory lock). With
 * `tables`, the live tables are set up by the live version only: another version's go into its build.
 */
export async function setupProjections<E extends EventShape>(
  db: Kysely<ProjectorTables>,
  schema: string,
  projections: Iterable<Projection<E, unknown>>,
): Promise<void> {
  await migrateProjector(db, schema);
  const list = [...projections];
  const live = new Map((await loadCheckpoints(db.withSchema(schema), list.map((p) => p.name))).map((row) => [row.name, row.version]));
  for (const projection of list) {
    const version = live.get(projection.name);
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('tally-projector-setup'), hashtext(${schema}))`.execute(trx);
      if (!projection.tables || version === undefined || version === projection.version) await projection.setup(trx as unknown as Kysely<unknown>);
      await ensureCheckpoint(trx.withSchema(schema), projection.name, projection.version);
    });
  }
}
