import { sql, type Kysely, type Migration } from 'kysely';
import { appendFunction } from '../sql/append-function.js';

/**
 * 0006: `events.schema_version`, the schema version each event was written with (see the `upcasters` option),
 * and an `append_events` that stores it. Events stored before keep version 1 (`DEFAULT 1`: with a constant
 * default, PostgreSQL adds the column without rewriting the table, and the immutability triggers do not fire).
 * `s` is the quoted schema name; the function's live text is in `sql/append-function.ts`.
 */
export function schemaVersionMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
ALTER TABLE ${s}.events ADD COLUMN schema_version integer NOT NULL DEFAULT 1 CHECK (schema_version >= 1);
DROP FUNCTION ${s}.append_events(jsonb, bigint[], boolean[], boolean, jsonb, pg_snapshot, xid8, bigint, text, uuid);
`,
        )
        .execute(db);
      await sql.raw(appendFunction(s)).execute(db);
    },
  };
}
