import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/**
 * Replaces the live table `liveSchema.table` by `buildSchema.table` (inside the switch): drops the live one,
 * if any, and moves the built one under its name, with its indexes, constraints and owned sequences.
 */
export async function moveTable(trx: ProjectorDb, table: string, buildSchema: string, liveSchema: string, existing: boolean): Promise<void> {
  if (existing) await sql`DROP TABLE ${sql.id(liveSchema, table)}`.execute(trx);
  await sql`ALTER TABLE ${sql.id(buildSchema, table)} SET SCHEMA ${sql.id(liveSchema)}`.execute(trx);
}
