import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0002: `projection_parked`, the events a projection with `onError: 'park'` set aside, one row per projection,
 * version, target and event (`target`: `live` for the tables readers see, `build` for a build beside them, whose
 * rows replace the live ones when it is switched in). `state`: `parked` (its handler kept failing), `held` (it shares a tag with an open row of the
 * projection, and waits behind it so that the read model sees that tag's events in order), `retried` (applied
 * later, by `retryParked`) or `skipped` (acknowledged by `skipParked`, never applied). `parked` and `held` rows are
 * open; the others stay as a record of what was done, by whom and when. `s` is the quoted schema name.
 */
export function parkedEventsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `CREATE TABLE ${s}.projection_parked (
             projection     text NOT NULL,
             version        integer NOT NULL,
             target         text NOT NULL DEFAULT 'live' CHECK (target IN ('live', 'build')),
             position       bigint NOT NULL,
             transaction_id bigint NOT NULL,
             event_id       uuid NOT NULL,
             event_type     text NOT NULL,
             tags           text[] NOT NULL,
             state          text NOT NULL CHECK (state IN ('parked', 'held', 'retried', 'skipped')),
             held_by        bigint,
             error          text,
             attempts       integer NOT NULL DEFAULT 0,
             parked_at      timestamptz NOT NULL DEFAULT now(),
             resolved_at    timestamptz,
             resolved_by    text,
             PRIMARY KEY (projection, version, target, position)
           );
           CREATE INDEX projection_parked_open ON ${s}.projection_parked (projection, version, target, transaction_id, position)
             WHERE state IN ('parked', 'held');`,
        )
        .execute(db);
    },
  };
}
