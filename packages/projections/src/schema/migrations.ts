import type { Migration } from 'kysely';
import { checkpointsMigration } from './0001-checkpoints.js';
import { parkedEventsMigration } from './0002-parked-events.js';
import { buildsMigration } from './0003-builds.js';
import { erasureProgressMigration } from './0004-erasure-progress.js';

/**
 * The projector's migrations, in order, beside the store's in the same schema (their own migration table).
 * Applied migrations never change; a change is a new one.
 */
export function projectorMigrations(schema: string): Record<string, Migration> {
  const s = `"${schema}"`;
  return {
    '0001_checkpoints': checkpointsMigration(s),
    '0002_parked_events': parkedEventsMigration(s),
    '0003_builds': buildsMigration(s),
    '0004_erasure_progress': erasureProgressMigration(s),
  };
}
