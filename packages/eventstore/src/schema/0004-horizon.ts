import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { headStateFunction, refuseAppendFunction } from '../sql/append-function.js';
import { appendFunction0004 } from './0004-append-events.js';
import { settleFunction } from '../sql/settle-function.js';
import { xidSpaceFunctions } from './xid-space.js';

/**
 * 0004: the settled horizon that waits only for writers that can still add events (problem 6 of the design),
 * heads bound to the store, and the store's transaction-id space for restores. `s` is the quoted schema name.
 *
 * - `store_identity`: one row — the secret heads are signed with (so a head cannot be forged or carried over
 *   from another store), the cluster and database the store was last migrated on (a change means it was
 *   restored or copied: see `relocate.ts`), and the transaction-id offset (`xid-space.ts`).
 * - `horizon_mark`: how far followers have passed transactions that had not appended (a sequence, so an
 *   appender reads its current value whatever its snapshot); appenders below it are refused.
 * - `settle()`, `append_events` (now with the mark check and exact own-transaction heads), `refuse_append()`,
 *   `head_state()`: their live texts are in `sql/`.
 */
export function horizonMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE TABLE ${s}.store_identity (
  singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  store_id          uuid        NOT NULL,
  secret            bytea       NOT NULL,
  system_identifier text,
  database_oid      oid         NOT NULL,
  xid_offset        numeric     NOT NULL DEFAULT 0 CHECK (xid_offset >= 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  relocated_at      timestamptz
);
CREATE SEQUENCE ${s}.horizon_mark AS bigint MINVALUE 0 START 1;
DROP FUNCTION ${s}.append_events(jsonb, bigint[], boolean[], boolean, jsonb, pg_snapshot, text);
`,
        )
        .execute(db);
      await sql`
        INSERT INTO ${sql.raw(s)}.store_identity (store_id, secret, system_identifier, database_oid)
        SELECT gen_random_uuid(), ${randomBytes(32)}, (SELECT system_identifier::text FROM pg_control_system()),
               (SELECT oid FROM pg_database WHERE datname = current_database())`.execute(db);
      for (const text of [xidSpaceFunctions(s, 0n), refuseAppendFunction(s), headStateFunction(s), appendFunction0004(s), settleFunction(s)]) {
        await sql.raw(text).execute(db);
      }
    },
  };
}
