import { sql, type Kysely } from 'kysely';

/**
 * Creates the projector's tables in `schema`. Idempotent, and safe to run from several workers at once
 * (serialised by a transaction advisory lock).
 */
export async function migrateProjector(db: Kysely<unknown>, schema: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('tally-projector-migrate'), hashtext(${schema}))`.execute(trx);
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx);
    await sql`
      CREATE TABLE IF NOT EXISTS ${sql.id(schema, 'projection_checkpoints')} (
        name            text PRIMARY KEY,
        version         integer NOT NULL,
        transaction_id  bigint NOT NULL DEFAULT 0,
        position        bigint NOT NULL DEFAULT 0,
        status          text NOT NULL DEFAULT 'idle',
        last_error      text,
        failed_position bigint,
        owner           text,
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`.execute(trx);
  });
}
