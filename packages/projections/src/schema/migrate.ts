import { runMigrations } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import { projectorMigrations } from './migrations.js';

/**
 * Brings the projector's tables in `schema` up to date (see `migrations.ts`), beside the store's, with the store's
 * migration runner (idempotent; several workers may run it at once). Takes any Kysely instance on the database.
 * @example await migrateProjector(db, 'tally');
 */
export async function migrateProjector<DB>(db: Kysely<DB>, schema: string): Promise<void> {
  await runMigrations(db, {
    schema,
    table: 'tally_projector_migration',
    lockName: 'projector-migrate',
    migrations: projectorMigrations(schema),
  });
}
