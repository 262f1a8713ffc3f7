import { sql, type Kysely, type Migration } from 'kysely';
import { SUBJECT_ERASED_SQLSTATE } from './tables.js';

/**
 * 0009: `refuse_erased(subjects)`, what an append of personal data calls from its own statement when one of the
 * subjects whose keys encrypted the batch is erased: it raises SUBJECT_ERASED with that subject's hash (hex) as
 * DETAIL. The check itself is inline in the append statements (`sql/append-events.ts`: an EXISTS, planned once with
 * the prepared statement; it now asks `erasures`, and migration 0010 makes this function read it too); this
 * function runs only to refuse. So a process
 * may reuse a subject's key it fetched earlier (`subjectKeyCacheMs`) and still never store an event for a subject
 * another process erased before the append ran. `s` is the quoted schema name.
 */
export function subjectGuardMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE FUNCTION ${s}.refuse_erased(p_subjects text[]) RETURNS boolean LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  v_erased text;
BEGIN
  SELECT encode(k.subject_hash, 'hex') INTO v_erased FROM ${s}.subject_keys k
   WHERE k.subject_hash = ANY (ARRAY(SELECT decode(h, 'hex') FROM unnest(p_subjects) AS h)) AND k.erased_at IS NOT NULL
   LIMIT 1;
  IF v_erased IS NOT NULL THEN
    RAISE EXCEPTION 'append refused: a subject of its personal data was erased' USING ERRCODE = '${SUBJECT_ERASED_SQLSTATE}', DETAIL = v_erased;
  END IF;
  RETURN true;
END
$fn$;
`,
        )
        .execute(db);
    },
  };
}
