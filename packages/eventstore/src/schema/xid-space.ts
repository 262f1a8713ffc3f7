/**
 * The store's transaction-id space: the ids stored in `events.transaction_id`, in heads and in checkpoints are
 * the server's (`pg_current_xact_id()`) plus an offset that is 0 until the store is restored into another
 * cluster. A dump restored into a fresh cluster carries ids above that cluster's counter: without the offset,
 * its events would never settle for followers, new events would sort before them, and every condition would
 * treat them as unseen. `migrate()` raises the offset past every restored id (see `relocate.ts`), and these
 * functions (re)defined with it keep everything else unchanged. With offset 0 they are the plain functions.
 *
 * `s` is the quoted schema name; `offset` a non-negative integer.
 */
export function xidSpaceFunctions(s: string, offset: bigint): string {
  const o = offset.toString();
  const shift = (expr: string) => (offset === 0n ? expr : `(${expr}::text::numeric + ${o})::text::xid8`);
  const snapshot =
    offset === 0n
      ? 'SELECT pg_current_snapshot()'
      : `SELECT (${shift('pg_snapshot_xmin(c.s)')}::text || ':' || ${shift('pg_snapshot_xmax(c.s)')}::text || ':' ||
                coalesce((SELECT string_agg(${shift('x')}::text, ',' ORDER BY x) FROM pg_snapshot_xip(c.s) AS x), ''))::pg_snapshot
           FROM (SELECT pg_current_snapshot() AS s) c`;
  return `
CREATE OR REPLACE FUNCTION ${s}.stored_xid(x xid8) RETURNS xid8 LANGUAGE sql IMMUTABLE AS $fn$ SELECT ${shift('x')} $fn$;
CREATE OR REPLACE FUNCTION ${s}.xact_id() RETURNS xid8 LANGUAGE sql VOLATILE AS $fn$ SELECT ${shift('pg_current_xact_id()')} $fn$;
CREATE OR REPLACE FUNCTION ${s}.xact_id_if_assigned() RETURNS xid8 LANGUAGE sql STABLE AS $fn$ SELECT ${shift('pg_current_xact_id_if_assigned()')} $fn$;
CREATE OR REPLACE FUNCTION ${s}.snapshot() RETURNS pg_snapshot LANGUAGE sql STABLE AS $fn$ ${snapshot} $fn$;
ALTER TABLE ${s}.events ALTER COLUMN transaction_id SET DEFAULT ${shift('pg_current_xact_id()')};
`;
}
