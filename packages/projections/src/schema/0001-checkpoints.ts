import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0001: `projection_checkpoints`, one row per projection: its version, its settled checkpoint (a transaction id
 * and a position), its state and last error, and the worker that last ran it. `IF NOT EXISTS`: a projector of
 * before versioned migrations created the same table, which this one adopts. `s` is the quoted schema name.
 */
export function checkpointsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `CREATE TABLE IF NOT EXISTS ${s}.projection_checkpoints (
             name            text PRIMARY KEY,
             version         integer NOT NULL,
             transaction_id  bigint NOT NULL DEFAULT 0,
             position        bigint NOT NULL DEFAULT 0,
             status          text NOT NULL DEFAULT 'idle',
             last_error      text,
             failed_position bigint,
             owner           text,
             updated_at      timestamptz NOT NULL DEFAULT now()
           )`,
        )
        .execute(db);
    },
  };
}
