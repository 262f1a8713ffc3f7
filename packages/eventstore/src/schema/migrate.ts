import type { Kysely } from 'kysely';
import { migrations } from './migrations.js';
import { relocateIfMoved } from './relocate.js';
import { runMigrations } from './run-migrations.js';

/**
 * Brings the schema up to date (see {@link runMigrations}: idempotent, and safe when several processes run it at
 * once). Then it checks whether the store was restored or copied into another cluster or database, and makes it
 * whole there (`relocate.ts`).
 */
export async function migrateSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  await runMigrations(db, {
    schema,
    table: 'tally_migration',
    lockName: 'migrate',
    migrations: migrations(schema),
    after: (connection) => relocateIfMoved(connection, `"${schema}"`, schema),
  });
}
