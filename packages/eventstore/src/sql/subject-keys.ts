import type { ErasureRecord, KeyVault, SubjectKeyRow, Wrapped, WrappedEntry } from '../personal-data/key-vault.js';
import type { StatementRunner } from './runner.js';

interface KeyRowSql {
  hash: string;
  key_id: string | null;
  wrapped_key: Buffer | null;
  erased: boolean;
}
interface ErasureSql {
  sequence: string;
  subject: string;
  erased_at: Date;
  erased_by: string | null;
}

/** A subject hash (base64url, as envelopes and the codec carry it) as the hex the SQL decodes. */
const subjectHashHex = (hash: string) => Buffer.from(hash, 'base64url').toString('hex');
const toRow = (row: KeyRowSql): SubjectKeyRow => ({
  hash: Buffer.from(row.hash, 'hex').toString('base64url'),
  keyId: row.key_id,
  wrapped: row.wrapped_key,
  erased: row.erased,
});
const toErasure = (row: ErasureSql): ErasureRecord => ({
  sequence: BigInt(row.sequence),
  subject: row.subject,
  erasedAt: row.erased_at,
  erasedBy: row.erased_by,
});

/**
 * The key vault on PostgreSQL (migration 0007), on `run`: the session's own connection, so inside a caller's
 * transaction a new subject key is written in that transaction, and no second connection of the pool is ever
 * waited for (which other transactions, waiting for this one, may hold).
 *
 * Two first appends of one subject at once: both miss it, both `INSERT … ON CONFLICT DO NOTHING`; the second
 * waits for the first's row, inserts nothing, and reads the first's key with a new statement (READ COMMITTED:
 * a new snapshot). So a subject never has two keys. In REPEATABLE READ or SERIALIZABLE, PostgreSQL answers the
 * second with a serialization failure (40001) instead: retry the transaction.
 */
export function sqlKeyVault(run: StatementRunner, schema: string, autocommit: boolean): KeyVault {
  const s = `"${schema}"`;
  const fetchSql =
    `SELECT encode(subject_hash, 'hex') AS hash, key_id, wrapped_key, erased_at IS NOT NULL AS erased FROM ${s}.subject_keys ` +
    `WHERE subject_hash = ANY (ARRAY(SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h))`;
  const fetchName = `tally_keys_${schema}`;
  const fetch = async (hashes: readonly string[]) =>
    hashes.length === 0 ? [] : (await run<KeyRowSql>(fetchSql, [hashes.map(subjectHashHex)], fetchName)).map(toRow);

  return {
    autocommit,
    fetch,

    async getOrCreate(hashes, create) {
      const found = await fetch(hashes);
      const missing = hashes.filter((hash) => !found.some((row) => row.hash === hash));
      if (missing.length === 0) return found;
      const made = missing.map((hash) => ({ hash, ...create(hash) }));
      const inserted = await run<KeyRowSql>(
        `INSERT INTO ${s}.subject_keys (subject_hash, key_id, wrapped_key) ` +
          `SELECT decode(h, 'hex'), k, decode(w, 'hex') FROM unnest($1::text[], $2::text[], $3::text[]) AS t(h, k, w) ` +
          `ON CONFLICT (subject_hash) DO NOTHING RETURNING encode(subject_hash, 'hex') AS hash, key_id, wrapped_key, false AS erased`,
        [made.map((m) => subjectHashHex(m.hash)), made.map((m) => m.keyId), made.map((m) => m.wrapped.toString('hex'))],
      );
      const rows = [...found, ...inserted.map(toRow)];
      const lost = missing.filter((hash) => !rows.some((row) => row.hash === hash));
      return lost.length === 0 ? rows : [...rows, ...(await fetch(lost))];
    },

    async secret(create) {
      const select = `SELECT key_id, wrapped FROM ${s}.store_secrets WHERE name = 'tags'`;
      let rows = await run<{ key_id: string; wrapped: Buffer }>(select, []);
      if (rows.length === 0) {
        const made = create();
        rows = await run(
          `INSERT INTO ${s}.store_secrets (name, key_id, wrapped) VALUES ('tags', $1, $2) ON CONFLICT (name) DO NOTHING RETURNING key_id, wrapped`,
          [made.keyId, made.wrapped],
        );
        if (rows.length === 0) rows = await run(select, []);
      }
      return { keyId: rows[0]!.key_id, wrapped: rows[0]!.wrapped };
    },

    async erase(hash, subject, erasedBy) {
      const killed = await run<ErasureSql>(
        `WITH killed AS (
           INSERT INTO ${s}.subject_keys AS k (subject_hash, key_id, wrapped_key, erased_at) VALUES (decode($1, 'hex'), NULL, NULL, now())
           ON CONFLICT (subject_hash) DO UPDATE SET key_id = NULL, wrapped_key = NULL, erased_at = now() WHERE k.erased_at IS NULL
           RETURNING subject_hash, erased_at)
         INSERT INTO ${s}.erasures (subject_hash, subject, erased_at, erased_by) SELECT subject_hash, $2, erased_at, $3 FROM killed
         RETURNING sequence::text, subject, erased_at, erased_by`,
        [subjectHashHex(hash), subject, erasedBy],
      );
      if (killed[0]) return { ...toErasure(killed[0]), alreadyErased: false };
      const earlier = await run<ErasureSql>(
        `SELECT sequence::text, subject, erased_at, erased_by FROM ${s}.erasures WHERE subject_hash = decode($1, 'hex')`,
        [subjectHashHex(hash)],
      );
      return { ...toErasure(earlier[0]!), alreadyErased: true };
    },

    async erasures(after, limit) {
      const rows = await run<ErasureSql>(
        `SELECT sequence::text, subject, erased_at, erased_by FROM ${s}.erasures WHERE sequence > $1 ORDER BY sequence LIMIT $2`,
        [after.toString(), limit],
      );
      return rows.map(toErasure);
    },

    async wrappedNotUnder(currentId, limit) {
      const rows = await run<{ kind: 'subject' | 'secret'; name: string; key_id: string; wrapped: Buffer }>(
        `(SELECT 'subject' AS kind, encode(subject_hash, 'hex') AS name, key_id, wrapped_key AS wrapped FROM ${s}.subject_keys
           WHERE wrapped_key IS NOT NULL AND key_id <> $1 LIMIT $2)
         UNION ALL
         (SELECT 'secret', name, key_id, wrapped FROM ${s}.store_secrets WHERE key_id <> $1)`,
        [currentId, limit],
      );
      return rows.map((row) => ({
        kind: row.kind,
        name: row.kind === 'subject' ? Buffer.from(row.name, 'hex').toString('base64url') : row.name,
        keyId: row.key_id,
        wrapped: row.wrapped,
      }));
    },

    async rewrap(entry: WrappedEntry, next: Wrapped) {
      if (entry.kind === 'secret') {
        await run(`UPDATE ${s}.store_secrets SET key_id = $1, wrapped = $2 WHERE name = $3 AND key_id = $4 AND wrapped = $5`, [
          next.keyId,
          next.wrapped,
          entry.name,
          entry.keyId,
          entry.wrapped,
        ]);
      } else {
        await run(
          `UPDATE ${s}.subject_keys SET key_id = $1, wrapped_key = $2 WHERE subject_hash = decode($3, 'hex') AND key_id = $4 AND wrapped_key = $5`,
          [next.keyId, next.wrapped, subjectHashHex(entry.name), entry.keyId, entry.wrapped],
        );
      }
    },
  };
}
