import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0004: `erasure_sequence` on the live checkpoint and on a build: the last of the store's erasures
 * (`store.erasures()`) whose `onErase` the projection has run on those tables, in the same transaction as the
 * scrub. A build starts at 0 and passes its own on to the live row when it switches (`promote-build.ts`).
 * `s` is the quoted schema name.
 */
export function erasureProgressMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `ALTER TABLE ${s}.projection_checkpoints ADD COLUMN erasure_sequence bigint NOT NULL DEFAULT 0;
           ALTER TABLE ${s}.projection_builds ADD COLUMN erasure_sequence bigint NOT NULL DEFAULT 0;`,
        )
        .execute(db);
    },
  };
}
