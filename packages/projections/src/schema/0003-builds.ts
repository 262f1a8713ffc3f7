import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0003: `projection_builds`, the build in progress of a projection that names its `tables`, at most one per
 * projection: the version it builds, the schema its tables are built in (unique: two builds never share one),
 * its own settled checkpoint, its state — `new` (requested; its worker creates the schema and runs `setup`),
 * `building`, `failed` (its handler kept failing) — its last error, the worker running it, when it started and
 * when it first caught up with the store. The build's worker moves its tables under the live names and deletes
 * the row in one transaction (see `build-target.ts`). `s` is the quoted schema name.
 */
export function buildsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `CREATE TABLE ${s}.projection_builds (
             name            text PRIMARY KEY,
             target_version  integer NOT NULL,
             build_schema    text NOT NULL UNIQUE,
             transaction_id  bigint NOT NULL DEFAULT 0,
             position        bigint NOT NULL DEFAULT 0,
             status          text NOT NULL CHECK (status IN ('new', 'building', 'failed')),
             last_error      text,
             failed_position bigint,
             owner           text,
             started_at      timestamptz NOT NULL DEFAULT now(),
             caught_up_at    timestamptz,
             updated_at      timestamptz NOT NULL DEFAULT now()
           )`,
        )
        .execute(db);
    },
  };
}
