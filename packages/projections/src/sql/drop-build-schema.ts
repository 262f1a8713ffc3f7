import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Drops the build's schema. After a switch it must be empty (without `cascade`, anything `setup` left there
 * besides the moved tables fails the switch, rather than vanishing with objects the moved tables may use).
 */
export async function dropBuildSchema(trx: ProjectorDb, schema: string, cascade: boolean): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} ${sql.raw(cascade ? 'CASCADE' : 'RESTRICT')}`.execute(trx);
}
