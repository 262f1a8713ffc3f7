/**
 * The live text of `settle()` (installed by migration 0004): how far followers may read, and who holds them
 * back. Runs in a transaction of its own (autocommit), before the read it serves. `s` is the quoted schema.
 *
 * Only a transaction connected to this database can add events to this store, and only one that holds a
 * transaction id can be in flight at the read. So, in this order (each other order has a window in which a
 * transaction is missed):
 *
 * 1. The snapshot. Its running transactions are the candidates; none running: the horizon is its xmax.
 * 2. Who they are (`pg_stat_activity`, prepared transactions, advisory locks of this database):
 *    - another database's: ignored, it cannot write here;
 *    - finished since the snapshot: ignored, the read that follows (a newer snapshot) sees its events;
 *    - holding or waiting for the `any` lock (every append takes it, shared, before anything else): appending,
 *      it holds the horizon until it ends; so does a prepared transaction of this database, and one that cannot
 *      be identified;
 *    - declared it never appends (a projector's batch: the `no-append` lock): passed at once;
 *    - any other, once its transaction is older than the grace (or its start is hidden from this role): passed.
 *      Younger ones hold the horizon for at most the grace.
 * 3. Passing means: publish the horizon as the mark (a sequence: not subject to snapshots, seen at once by
 *    every session) under a short transaction lock, then re-check the `any` lock of each passed transaction.
 *    An appender takes `any` first and reads the mark after, so either it read the mark before it was raised
 *    (then it held `any` already, the re-check sees it, and the horizon stays below it) or after (then its
 *    append is refused with TLY03 and writes nothing).
 * 4. The horizon is returned in the store's transaction-id space (`stored_xid`), with the blockers.
 *
 * `p_any_key`, `p_no_append_key`, `p_mark_key` are the store's advisory-lock keys (computed by the caller).
 */
export function settleFunction(s: string): string {
  // An advisory lock with a bigint key appears in pg_locks as (classid, objid) = (high, low 32 bits), objsubid 1.
  const lockOf = (key: string) => `l.classid = ((${key} >> 32) & 4294967295)::oid AND l.objid = (${key} & 4294967295)::oid`;
  return `
CREATE OR REPLACE FUNCTION ${s}.settle(p_grace_ms integer, p_any_key bigint, p_no_append_key bigint, p_mark_key bigint,
                                       OUT horizon xid8, OUT blockers jsonb)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_snap pg_snapshot := pg_current_snapshot();
  v_h numeric := pg_snapshot_xmax(v_snap)::text::numeric;
  v_db oid;
  v_pass numeric[];
  v_held numeric;
BEGIN
  blockers := '[]'::jsonb;
  IF NOT EXISTS (SELECT 1 FROM pg_snapshot_xip(v_snap)) THEN
    horizon := ${s}.stored_xid(v_h::text::xid8);
    RETURN;
  END IF;
  PERFORM pg_stat_clear_snapshot();
  SELECT d.oid INTO v_db FROM pg_database d WHERE d.datname = current_database();

  WITH running AS (
    SELECT x::text::numeric AS xid, (x::text::numeric % 4294967296)::bigint AS xid32, x AS xid8 FROM pg_snapshot_xip(v_snap) AS x
  ), act AS (
    SELECT a.pid, a.datid, a.datname, a.application_name, a.state, a.xact_start, a.backend_xid::text::bigint AS xid32
      FROM pg_stat_activity a WHERE a.backend_xid IS NOT NULL
  ), prep AS (
    SELECT p.transaction::text::bigint AS xid32, d.oid AS datid, p.database, p.prepared
      FROM pg_prepared_xacts p JOIN pg_database d ON d.datname = p.database
  ), locks AS (
    SELECT l.pid, bool_or(${lockOf('p_any_key')}) AS appending, bool_or(${lockOf('p_no_append_key')}) AS declared
      FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.database = v_db AND l.objsubid = 1
       AND ((${lockOf('p_any_key')}) OR (${lockOf('p_no_append_key')}))
     GROUP BY l.pid
  ), classified AS (
    SELECT r.xid, r.xid8, a.pid, coalesce(a.datname, p.database) AS database, a.application_name, a.state,
           coalesce(a.xact_start, p.prepared) AS started,
           CASE
             WHEN coalesce(a.datid, p.datid) IS DISTINCT FROM v_db AND coalesce(a.datid, p.datid) IS NOT NULL THEN 'other-database'
             WHEN p.xid32 IS NOT NULL THEN 'prepared'
             WHEN a.pid IS NULL AND pg_xact_status(r.xid8) = 'in progress' THEN 'unidentified'
             WHEN a.pid IS NULL THEN 'finished'
             WHEN coalesce(l.appending, false) THEN 'appending'
             WHEN coalesce(l.declared, false) THEN 'declared'
             WHEN a.xact_start IS NULL OR clock_timestamp() - a.xact_start >= p_grace_ms * interval '1 millisecond' THEN 'past-grace'
             ELSE 'within-grace'
           END AS kind
      FROM running r
      LEFT JOIN act a ON a.xid32 = r.xid32
      LEFT JOIN prep p ON p.xid32 = r.xid32
      LEFT JOIN locks l ON l.pid = a.pid
  )
  SELECT least(v_h, min(c.xid) FILTER (WHERE c.kind IN ('prepared', 'unidentified', 'appending', 'within-grace'))),
         array_agg(c.xid) FILTER (WHERE c.kind IN ('declared', 'past-grace')),
         coalesce(jsonb_agg(jsonb_build_object(
           'transactionId', ${s}.stored_xid(c.xid8)::text, 'pid', c.pid, 'database', c.database,
           'applicationName', c.application_name, 'state', c.state, 'reason', c.kind,
           'transactionAgeMs', floor(extract(epoch FROM clock_timestamp() - c.started) * 1000))
           ORDER BY c.xid) FILTER (WHERE c.kind IN ('prepared', 'unidentified', 'appending', 'within-grace')), '[]'::jsonb)
    INTO v_h, v_pass, blockers
    FROM classified c;

  SELECT array_agg(x) INTO v_pass FROM unnest(v_pass) AS x WHERE x < v_h;
  IF v_pass IS NOT NULL THEN
    BEGIN
      PERFORM pg_advisory_xact_lock(p_mark_key);
      PERFORM setval('${s.replaceAll("'", "''")}.horizon_mark', ${s}.stored_xid(v_h::text::xid8)::text::bigint)
        WHERE (SELECT last_value FROM ${s}.horizon_mark) < ${s}.stored_xid(v_h::text::xid8)::text::bigint;
    EXCEPTION WHEN OTHERS THEN
      -- e.g. a read-only transaction (a standby): pass nobody.
      SELECT least(v_h, min(x)) INTO v_h FROM unnest(v_pass) AS x;
      v_pass := NULL;
    END;
  END IF;
  IF v_pass IS NOT NULL THEN
    -- The re-check, after the mark is visible: a passed transaction that took the lock meanwhile holds the horizon.
    SELECT min(x) INTO v_held
      FROM unnest(v_pass) AS x
     WHERE EXISTS (
       SELECT 1 FROM pg_locks t JOIN pg_locks l ON l.pid = t.pid
        WHERE t.locktype = 'transactionid' AND t.transactionid::text::bigint = (x % 4294967296)::bigint
          AND l.locktype = 'advisory' AND l.database = v_db AND l.objsubid = 1 AND ${lockOf('p_any_key')});
    IF v_held IS NOT NULL AND v_held < v_h THEN v_h := v_held; END IF;
  END IF;
  horizon := ${s}.stored_xid(v_h::text::xid8);
END
$fn$;
`;
}
