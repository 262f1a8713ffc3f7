/**
 * The canonical text of the events row `alias`: what {@link EVENT_DIGEST_SQL} hashes (also fetched as it is by
 * the benchmark that hashes in Node instead).
 */
export function canonicalEventText(alias: string): string {
  const e = alias;
  return (
    `jsonb_build_array(${e}.position, ${e}.id, ${e}.type, ${e}.data, ${e}.tags, ${e}.metadata, ` +
    `to_char(${e}.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text`
  );
}

/**
 * The SQL expression of one event's digest, over everything stored of it, for the events row `alias`: the one
 * text both `seal()` and `verify()` hash, so they can never disagree about an untouched event.
 *
 * The hashed text is a JSON array built by PostgreSQL: `[position, id, type, data, tags, metadata, occurred_at]`,
 * the time as `to_char` of it in UTC to the microsecond (not `extract(epoch …)`, whose type and rounding
 * changed in PostgreSQL 14: a store upgraded across it must verify the same). `data` and `metadata` enter as
 * PostgreSQL's own jsonb output of the stored value (keys sorted and unique, one spacing), so the text depends on the stored value only, not on how the
 * JSON was written, the client, the session's time zone or DateStyle; a dump restored into another cluster
 * gives the same text. JSON quoting keeps the fields apart (no two events give the same text). The transaction
 * id is not in it: the chain's order carries it (a moved event breaks the order), and a digest stays what it
 * was whatever a restore does to transaction ids. With encrypted fields, `data` is the ciphertext as stored:
 * destroying a key (erasure) changes no stored byte and breaks nothing.
 */
export function eventDigestSql(alias: string): string {
  return `sha256(convert_to(${canonicalEventText(alias)}, 'UTF8'))`;
}

/** {@link eventDigestSql} of the events row `e`. */
export const EVENT_DIGEST_SQL = eventDigestSql('e');

/** The chain value before the first seal: 32 zero bytes. */
export const GENESIS_CHAIN_SQL = `'\\x${'00'.repeat(32)}'::bytea`;
