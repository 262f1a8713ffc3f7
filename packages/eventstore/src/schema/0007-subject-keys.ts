import { sql, type Kysely, type Migration } from 'kysely';

/**
 * 0007: what crypto-shredding keeps beside the events (see `personal-data/`). `subject_keys`: one data key per
 * subject, wrapped (AES-256-GCM) by the store key `key_id`, the subject known only by a keyed hash; erasure sets
 * `wrapped_key` NULL for good (a trigger refuses to give an erased subject a key again). `store_secrets`: the
 * tag secret, wrapped the same way. `erasures`: who erased which subject when, in order (`sequence`), read by
 * projectors to call `onErase`; `subject` is the subject id (a pseudonym such as an account id).
 * `s` is the quoted schema name.
 */
export function subjectKeysMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE TABLE ${s}.subject_keys (
  subject_hash bytea       PRIMARY KEY,
  key_id       text        NULL,
  wrapped_key  bytea       NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  erased_at    timestamptz NULL,
  CONSTRAINT subject_keys_erased CHECK ((wrapped_key IS NULL) = (erased_at IS NOT NULL) AND (wrapped_key IS NULL) = (key_id IS NULL))
);

CREATE FUNCTION ${s}.subject_keys_stay_erased() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF OLD.erased_at IS NOT NULL THEN
    RAISE EXCEPTION 'the key of an erased subject cannot be restored' USING ERRCODE = 'TLY05';
  END IF;
  RETURN NEW;
END
$fn$;
CREATE TRIGGER subject_keys_stay_erased BEFORE UPDATE ON ${s}.subject_keys
  FOR EACH ROW EXECUTE FUNCTION ${s}.subject_keys_stay_erased();

CREATE TABLE ${s}.store_secrets (
  name       text        PRIMARY KEY,
  key_id     text        NOT NULL,
  wrapped    bytea       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ${s}.erasures (
  sequence     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_hash bytea       NOT NULL UNIQUE,
  subject      text        NOT NULL,
  erased_at    timestamptz NOT NULL,
  erased_by    text        NULL
);
`,
        )
        .execute(db);
    },
  };
}
