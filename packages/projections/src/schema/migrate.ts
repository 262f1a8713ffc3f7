import { sql, type Kysely } from 'kysely';
import { loadMigrator } from './load-migrator.js';
import { projectorMigrations } from './migrations.js';

/**
 * Brings the projector's tables in `schema` up to date (see `migrations.ts`). Idempotent, and safe when several
 * workers run it at once: they queue on a session advisory lock, and the later ones find nothing left to do.
 * Takes any Kysely instance on the database (its table types do not matter).
 * @example await migrateProjector(db, 'tally');
 */
export async function migrateProjector<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  const untyped = db as unknown as Kysely<unknown>;
  await untyped.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(hashtext('tally-projector-migrate'), hashtext(${schema}))`.execute(connection);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(connection);
      const Migrator = await loadMigrator();
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => projectorMigrations(schema) },
        migrationTableSchema: schema,
        migrationTableName: 'tally_projector_migration',
        migrationLockTableName: 'tally_projector_migration_lock',
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext('tally-projector-migrate'), hashtext(${schema}))`.execute(connection);
    }
  });
}
