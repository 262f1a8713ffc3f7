import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0008: `event_seals`, the hash chain that makes the events table tamper-evident (see `seal.ts`, `verify.ts`).
 * One row per sealed batch of settled events, in the settled order `(transaction_id, position)`:
 *
 * - `positions`: the batch's positions in that order; `digests`: their SHA-256 digests concatenated (32 bytes
 *   each, the same order), each over everything stored of the event (`sql/seal-digest.ts`);
 * - `last_transaction_id`, `last_position`: the batch's last event, where the next batch starts;
 * - `chain`: SHA-256 of the previous seal's chain (32 zero bytes before the first) and `digests`.
 *
 * Seals are as immutable as the events (the same trigger function). Not chained: the transaction ids (a restore
 * keeps them as they are, see `relocate.ts`, but nothing in a digest depends on them) and `sealed_at`.
 * `s` is the quoted schema name.
 */
export function eventSealsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE TABLE ${s}.event_seals (
  seal                bigint      PRIMARY KEY CHECK (seal > 0),
  last_transaction_id xid8        NOT NULL,
  last_position       bigint      NOT NULL,
  min_position        bigint      NOT NULL,
  max_position        bigint      NOT NULL,
  positions           bigint[]    NOT NULL CHECK (cardinality(positions) > 0),
  digests             bytea       NOT NULL CHECK (octet_length(digests) = 32 * cardinality(positions)),
  chain               bytea       NOT NULL CHECK (octet_length(chain) = 32),
  sealed_at           timestamptz NOT NULL DEFAULT now()
);
-- Digests are random bytes: compressing them only costs time.
ALTER TABLE ${s}.event_seals ALTER COLUMN digests SET STORAGE EXTERNAL;
CREATE INDEX event_seals_positions_idx ON ${s}.event_seals (max_position, min_position);
CREATE TRIGGER event_seals_immutable BEFORE UPDATE OR DELETE ON ${s}.event_seals
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
CREATE TRIGGER event_seals_no_truncate BEFORE TRUNCATE ON ${s}.event_seals
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
`,
        )
        .execute(db);
    },
  };
}
