import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0005: `decision_snapshots`, the states `@tally/decisions` keeps beside the events (see
 * `sql/snapshots.ts`). One row per decision and key (a hash of the decision's query for a command). The state
 * is what folding every matching event the head saw, up to `position`, gave; `version` is the decision's
 * version of its fold. Not events: rows are replaced, and deleting them only costs longer reads.
 * `s` is the quoted schema name.
 */
export function decisionSnapshotsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE TABLE ${s}.decision_snapshots (
  decision  text        NOT NULL,
  key       text        NOT NULL,
  version   text        NOT NULL,
  state     jsonb       NOT NULL,
  position  bigint      NOT NULL,
  head      text        NOT NULL,
  events    bigint      NOT NULL,
  saved_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (decision, key)
);
`,
        )
        .execute(db);
    },
  };
}
