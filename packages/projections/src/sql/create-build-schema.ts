import { sql } from 'kysely';
import type { ProjectorDb } from './db.js';

/** Creates the build's schema empty: drops what an earlier build of the projection left in it first. */
export async function createBuildSchema(trx: ProjectorDb, schema: string): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(trx);
  await sql`CREATE SCHEMA ${sql.id(schema)}`.execute(trx);
}
