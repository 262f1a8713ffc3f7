import { sql, type Kysely, type Migration } from 'kysely';
import { SUBJECT_ERASED_SQLSTATE } from './tables.js';

/**
 * 0010: `refuse_erased(subjects)` reads `erasures`, the table the append statements' check asks (`sql/append-events.ts`),
 * instead of `subject_keys`: the check and the refusal read one table, so what made the check fail is what the
 * function finds and raises (both are written by the erasure's one statement, so they agree, but nothing should rest on
 * two tables agreeing). It raises even if it finds none: it is called only when the check found one. `s` is the quoted
 * schema name.
 */
export function refuseErasedMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE OR REPLACE FUNCTION ${s}.refuse_erased(p_subjects text[]) RETURNS boolean LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  v_erased text;
BEGIN
  SELECT encode(x.subject_hash, 'hex') INTO v_erased FROM ${s}.erasures x
   WHERE x.subject_hash = ANY (ARRAY(SELECT decode(h, 'hex') FROM unnest(p_subjects) AS h))
   LIMIT 1;
  RAISE EXCEPTION 'append refused: a subject of its personal data was erased' USING ERRCODE = '${SUBJECT_ERASED_SQLSTATE}', DETAIL = coalesce(v_erased, '');
END
$fn$;
`,
        )
        .execute(db);
    },
  };
}
