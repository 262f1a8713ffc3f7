import { sql, type Kysely, type Migration } from 'kysely';
import { REPEATABLE_READ_SQLSTATE } from './tables.js';

/**
 * 0002: a leaner `append_events` that also returns the head after a conditional append, and a tags index
 * without a pending list. `s` is the quoted schema name.
 *
 * - Tags GIN `fastupdate = off`: with a pending list, every tag lookup (each decision's read) scans the whole
 *   list, up to 128 kB of unsorted entries, and it is never empty while appends go on. Without it a single-
 *   event append costs the same (measured with pgbench, 8 clients) and tag reads under load got faster;
 *   batches that repeat one tag pay a little more. The payload index keeps its small pending list: an event
 *   has many payload keys, so inserting them one by one would cost every append.
 * - The function takes all locks in one statement, checks a condition against a recent head with one static
 *   (plan-cached) query instead of dynamic SQL per query item (older heads and conditions without a head keep
 *   the per-item planned SQL), and inserts through `jsonb_to_recordset`. Unconditional appends without ids do
 *   not call it at all (see `append-events.ts`).
 */
export function appendHeadMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const index = `${s}.events_tags_idx`;
      await sql
        .raw(
          `
ALTER INDEX ${index} SET (fastupdate = off);
SELECT gin_clean_pending_list('${index.replaceAll("'", "''")}'::regclass);
DROP FUNCTION ${s}.append_events(jsonb, bigint[], boolean[], boolean, jsonb, pg_snapshot, text);
`,
        )
        .execute(db);
      await sql.raw(appendFunction(s)).execute(db);
    },
  };
}

/**
 * `append_events`: locks, idempotency, condition and insert in one statement and one round trip.
 *
 * 1. Advisory locks in the caller's sorted order (shared for written keys, exclusive for condition keys).
 *    Statements that follow get a fresh snapshot (VOLATILE, READ COMMITTED), so the check below sees
 *    whatever the lock holders we waited for committed.
 * 2. Idempotency: when the caller supplied ids, a batch whose ids are all stored with the same content
 *    returns the stored positions; any other overlap is an id conflict.
 * 3. The condition: is there an event matching any query item that the read's snapshot did not see? Only
 *    transactions from the snapshot's xmin up to the current snapshot's xmax can be invisible to it and
 *    visible now. For a recent head (the usual read → decide → append) that range holds a handful of
 *    transactions: one plan-cached query scans their events through the (transaction_id, position) index,
 *    whatever the size of the store. An old head (a decision state carried for a while) or none at all
 *    ("nothing matching may exist") runs each item as SQL planned for its values, so a tag, type or payload
 *    index can serve it; values are bound with USING. Events written earlier by the same transaction count
 *    as seen.
 * 4. Insert in batch order, optional NOTIFY with the last position.
 * 5. After a conditional append, `head` is the snapshot taken after the insert, with the condition's locks
 *    still held: every event matching the condition that it sees was seen by the read or written by this
 *    append, so the caller can decide again from what it read plus what it appended, without a new read.
 */
/** Heads at most this many transaction ids old are checked by scanning those transactions' events. */
const RECENT_WINDOW = 256;

function appendFunction(s: string): string {
  const literalSchema = s.replaceAll("'", "''");
  return `
CREATE FUNCTION ${s}.append_events(
  p_events jsonb,
  p_lock_keys bigint[],
  p_lock_exclusive boolean[],
  p_check_ids boolean,
  p_query jsonb,
  p_snapshot pg_snapshot,
  p_notify text
) RETURNS TABLE (outcome text, positions bigint[], conflict_id uuid, head text)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_item jsonb;
  v_sql text;
  v_found boolean;
  v_total integer := jsonb_array_length(p_events);
  v_existing integer;
  v_conflict uuid;
  v_positions bigint[];
  v_recorded_at timestamptz;
BEGIN
  IF p_query IS NOT NULL AND current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'a conditional append needs READ COMMITTED or SERIALIZABLE isolation'
      USING ERRCODE = '${REPEATABLE_READ_SQLSTATE}';
  END IF;

  PERFORM count(CASE WHEN l.exclusive THEN pg_advisory_xact_lock(l.key) ELSE pg_advisory_xact_lock_shared(l.key) END)
     FROM unnest(p_lock_keys, p_lock_exclusive) AS l(key, exclusive);

  IF p_check_ids THEN
    SELECT count(s.position)::integer,
           (array_agg(n.id ORDER BY n.ord) FILTER (WHERE s.position IS NOT NULL AND (
              s.type IS DISTINCT FROM n.type OR s.data IS DISTINCT FROM n.data OR s.tags IS DISTINCT FROM n.tags)))[1],
           array_agg(s.position ORDER BY n.ord)
      INTO v_existing, v_conflict, v_positions
      FROM ROWS FROM (jsonb_to_recordset(p_events) AS (id uuid, type text, data jsonb, tags text[]))
           WITH ORDINALITY AS n(id, type, data, tags, ord)
      LEFT JOIN ${s}.events s ON s.id = n.id;
    IF v_conflict IS NOT NULL THEN
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict, NULL::text;
      RETURN;
    END IF;
    IF v_existing = v_total THEN
      RETURN QUERY SELECT 'duplicate'::text, v_positions, NULL::uuid, NULL::text;
      RETURN;
    END IF;
    IF v_existing > 0 THEN
      SELECT n.id INTO v_conflict
        FROM jsonb_to_recordset(p_events) AS n(id uuid)
       WHERE EXISTS (SELECT 1 FROM ${s}.events s WHERE s.id = n.id)
       LIMIT 1;
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict, NULL::text;
      RETURN;
    END IF;
  END IF;

  -- Stamped after the locks: an append that queued behind another is recorded after it.
  v_recorded_at := clock_timestamp();

  IF p_query IS NOT NULL AND p_snapshot IS NOT NULL
     AND pg_snapshot_xmax(pg_current_snapshot())::text::numeric - pg_snapshot_xmin(p_snapshot)::text::numeric <= ${RECENT_WINDOW} THEN
    -- A recent head: the few events of the transactions since its xmin, then the query items against them.
    -- Materialized, so the range scan is planned on its own (under EXISTS the generic plan preferred a seq scan).
    WITH recent AS MATERIALIZED (
      SELECT e.type, e.tags, e.data
        FROM ${s}.events e
       WHERE e.transaction_id BETWEEN pg_snapshot_xmin(p_snapshot) AND pg_snapshot_xmax(pg_current_snapshot())
         AND NOT pg_visible_in_snapshot(e.transaction_id, p_snapshot)
         AND e.transaction_id IS DISTINCT FROM pg_current_xact_id_if_assigned()
    )
    SELECT EXISTS (
      SELECT 1
        FROM recent e
        JOIN jsonb_array_elements(p_query) AS q(item)
          ON (NOT q.item ? 'types' OR e.type = ANY (ARRAY(SELECT jsonb_array_elements_text(q.item->'types'))))
         AND (NOT q.item ? 'tags' OR e.tags @> ARRAY(SELECT jsonb_array_elements_text(q.item->'tags')))
         AND (NOT q.item ? 'data' OR e.data @> (q.item->'data')))
      INTO v_found;
  ELSIF p_query IS NOT NULL THEN
    -- No head (nothing matching may exist), or an old one: each item as SQL planned for its values, so the
    -- planner picks the tag/type/payload index or the transaction range, whichever is narrower.
    v_found := false;
    FOR v_item IN SELECT jsonb_array_elements(p_query) LOOP
      v_sql := 'SELECT EXISTS (SELECT 1 FROM ${literalSchema}.events e WHERE true';
      IF p_snapshot IS NOT NULL THEN
        v_sql := v_sql || ' AND e.transaction_id >= pg_snapshot_xmin($4)'
                       || ' AND NOT pg_visible_in_snapshot(e.transaction_id, $4)'
                       || ' AND e.transaction_id IS DISTINCT FROM pg_current_xact_id_if_assigned()';
      END IF;
      IF v_item ? 'types' THEN v_sql := v_sql || ' AND e.type = ANY ($1)'; END IF;
      IF v_item ? 'tags' THEN v_sql := v_sql || ' AND e.tags @> $2'; END IF;
      IF v_item ? 'data' THEN v_sql := v_sql || ' AND e.data @> $3'; END IF;
      EXECUTE v_sql || ')' INTO v_found USING
        ARRAY(SELECT jsonb_array_elements_text(v_item->'types')),
        ARRAY(SELECT jsonb_array_elements_text(v_item->'tags')),
        v_item->'data',
        p_snapshot;
      EXIT WHEN v_found;
    END LOOP;
  END IF;
  IF v_found THEN
    RETURN QUERY SELECT 'condition-failed'::text, NULL::bigint[], NULL::uuid, NULL::text;
    RETURN;
  END IF;

  WITH inserted AS (
    INSERT INTO ${s}.events (id, type, data, tags, metadata, occurred_at)
    SELECT e.id, e.type, e.data, e.tags, e.metadata, v_recorded_at
      FROM ROWS FROM (jsonb_to_recordset(p_events) AS (id uuid, type text, data jsonb, tags text[], metadata jsonb))
           WITH ORDINALITY AS e(id, type, data, tags, metadata, ord)
     ORDER BY e.ord
    RETURNING position
  )
  SELECT array_agg(position ORDER BY position) INTO v_positions FROM inserted;

  IF p_notify IS NOT NULL THEN
    PERFORM pg_notify(p_notify, v_positions[v_total]::text);
  END IF;

  IF p_query IS NULL THEN
    RETURN QUERY SELECT 'appended'::text, v_positions, NULL::uuid, NULL::text;
    RETURN;
  END IF;
  -- A snapshot never lists its own transaction as running, but when no transaction completed after ours got
  -- its id, its xmax is at or below our id and our events would count as unseen. Then the head extends xmax
  -- past our id and lists every id in between as running (none of them had completed).
  RETURN QUERY
    SELECT 'appended'::text, v_positions, NULL::uuid,
           CASE WHEN v.own < pg_snapshot_xmax(v.snap) THEN v.snap::text
           ELSE pg_snapshot_xmin(v.snap)::text || ':' || (v.own::text::numeric + 1)::text || ':' || coalesce((
                  SELECT string_agg(x::text, ',' ORDER BY x)
                    FROM (SELECT xip::text::numeric FROM pg_snapshot_xip(v.snap) AS xip
                          UNION ALL
                          SELECT generate_series(pg_snapshot_xmax(v.snap)::text::numeric, v.own::text::numeric - 1)) AS ids(x)), '')
           END
      FROM (SELECT pg_current_snapshot() AS snap, pg_current_xact_id() AS own) AS v;
END
$fn$;
`;
}
