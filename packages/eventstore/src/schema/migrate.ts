import { sql, type Kysely } from 'kysely';
import { loadMigrator } from './load-migrator.js';
import { lockHash } from '../lock-keys.js';
import { migrations } from './migrations.js';
import { relocateIfMoved } from './relocate.js';

/**
 * Brings the schema up to date. Idempotent, and safe when several processes run it at once: they queue
 * on a session advisory lock, and the later ones find nothing left to do. Then it checks whether the store
 * was restored or copied into another cluster or database, and makes it whole there (`relocate.ts`).
 */
export async function migrateSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  const lockKey = lockHash(schema, 'migrate').toString();
  await db.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${lockKey}::bigint)`.execute(connection);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(connection);
      const Migrator = await loadMigrator();
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => migrations(schema) },
        migrationTableSchema: schema,
        migrationTableName: 'tally_migration',
        migrationLockTableName: 'tally_migration_lock',
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      await relocateIfMoved(connection, `"${schema}"`, schema);
    } finally {
      await sql`SELECT pg_advisory_unlock(${lockKey}::bigint)`.execute(connection);
    }
  });
}
