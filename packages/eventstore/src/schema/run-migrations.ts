import { sql, type Kysely, type Migration } from 'kysely';
import { lockHash } from '../lock-keys.js';
import { loadMigrator } from './load-migrator.js';

/** One set of migrations in a schema: the store's, or a package's that keeps tables beside it (the projector's). */
export interface MigrationSet {
  /** The schema the migrations and their bookkeeping tables live in (created when missing). */
  readonly schema: string;
  /** The set's bookkeeping tables are `<table>` and `<table>_lock`. */
  readonly table: string;
  /** Names the session advisory lock (with the schema) that queues processes migrating this set. */
  readonly lockName: string;
  readonly migrations: Record<string, Migration>;
  /** Runs on the same connection, still under the lock, once the migrations are applied. */
  readonly after?: (connection: Kysely<unknown>) => Promise<unknown>;
}

/**
 * Applies the set's pending migrations in order. Idempotent, and safe when several processes run it at once: they
 * queue on the set's session advisory lock, and the later ones find nothing left to do.
 * Takes any Kysely instance on the database.
 */
export async function runMigrations<DB>(db: Kysely<DB>, set: MigrationSet): Promise<void> {
  const untyped = db as unknown as Kysely<unknown>;
  const lockKey = lockHash(set.schema, set.lockName).toString();
  await untyped.connection().execute(async (connection) => {
    await sql`SELECT pg_advisory_lock(${lockKey}::bigint)`.execute(connection);
    try {
      await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(set.schema)}`.execute(connection);
      const Migrator = await loadMigrator();
      const migrator = new Migrator({
        db: connection,
        provider: { getMigrations: async () => set.migrations },
        migrationTableSchema: set.schema,
        migrationTableName: set.table,
        migrationLockTableName: `${set.table}_lock`,
      });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      await set.after?.(connection);
    } finally {
      await sql`SELECT pg_advisory_unlock(${lockKey}::bigint)`.execute(connection);
    }
  });
}
