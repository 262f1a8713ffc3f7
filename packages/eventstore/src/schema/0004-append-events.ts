import { unseenByHead } from '../sql/unseen-by-head.js';
import { INVALID_HEAD_SQLSTATE, noAppendSetting, REPEATABLE_READ_SQLSTATE, unquoted } from './tables.js';

/** Heads at most this many transaction ids old are checked by scanning those transactions' events (untagged items). */
const RECENT_WINDOW = 256;

/**
 * `append_events` as migration 0004 installed it (frozen here by 0006, which installs the live text of
 * `sql/append-function.ts`). `s` is the quoted schema name. One statement, one round trip:
 *
 * 1. Advisory locks in the caller's sorted order (shared for written keys, exclusive for condition keys).
 *    Statements that follow get a fresh snapshot (VOLATILE, READ COMMITTED), so the check below sees whatever
 *    the lock holders we waited for committed.
 * 2. The horizon check (problem 6 of the design): holding the shared `any` lock announces this transaction as
 *    an appender to followers; only then does it read the mark up to which followers have passed transactions
 *    that had not appended. A transaction below the mark, or one that declared it never appends (a projector's
 *    batch), is refused with TLY03: followers may already have moved past it.
 * 3. Idempotency: when the caller supplied ids, a batch whose ids are all stored with the same content returns
 *    the stored positions; any other overlap is an id conflict.
 * 4. The condition: is there an event matching any query item that the read did not see? "Seen" is exact: an
 *    event of the head's own transaction was seen when its position is at most the one the head recorded; any
 *    other event when its transaction is visible in the head's snapshot. Tagged items go through `event_tags`
 *    (candidates of the item's first tag from the head's xmin on, then the item's other criteria); untagged
 *    items, and all items without a head, as in 0003.
 * 5. Insert in batch order, optional NOTIFY, and after a conditional append the head that covers the read plus
 *    this append (`head_state()`: this transaction and its last position are recorded in it).
 */
export function appendFunction0004(s: string): string {
  const literalSchema = s.replaceAll("'", "''");
  const noAppend = noAppendSetting(unquoted(s));
  // Whether an event was unseen by the head ($4/$5/$6 in the dynamic SQL).
  const unseen = unseenByHead;
  return `
CREATE FUNCTION ${s}.append_events(
  p_events jsonb,
  p_lock_keys bigint[],
  p_lock_exclusive boolean[],
  p_check_ids boolean,
  p_query jsonb,
  p_snapshot pg_snapshot,
  p_head_own xid8,
  p_head_own_position bigint,
  p_notify text,
  p_head_store uuid
) RETURNS TABLE (outcome text, positions bigint[], conflict_id uuid, head text, recorded_at timestamptz, transaction_id xid8)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_item jsonb;
  v_rest jsonb;
  v_tag text;
  v_candidates bigint[];
  v_sql text;
  v_found boolean := false;
  v_total integer := jsonb_array_length(p_events);
  v_existing integer;
  v_conflict uuid;
  v_positions bigint[];
  v_recorded_at timestamptz;
  v_own xid8;
  v_mark xid8;
  v_head_own xid8 := coalesce(p_head_own, '0'::xid8);
  v_head_own_position bigint := coalesce(p_head_own_position, 0);
BEGIN
  IF p_query IS NOT NULL AND current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'a conditional append needs READ COMMITTED or SERIALIZABLE isolation'
      USING ERRCODE = '${REPEATABLE_READ_SQLSTATE}';
  END IF;
  IF p_snapshot IS NOT NULL AND p_head_store IS DISTINCT FROM (SELECT i.store_id FROM ${s}.store_identity i) THEN
    RAISE EXCEPTION 'the head was made by another store (or before this store was restored here)' USING ERRCODE = '${INVALID_HEAD_SQLSTATE}';
  END IF;
  IF p_snapshot IS NOT NULL AND pg_snapshot_xmax(p_snapshot) > pg_snapshot_xmax(${s}.snapshot()) THEN
    RAISE EXCEPTION 'the head lies in the future of this store' USING ERRCODE = '${INVALID_HEAD_SQLSTATE}';
  END IF;

  PERFORM count(CASE WHEN l.exclusive THEN pg_advisory_xact_lock(l.key) ELSE pg_advisory_xact_lock_shared(l.key) END)
     FROM unnest(p_lock_keys, p_lock_exclusive) AS l(key, exclusive);

  -- After the locks: followers that passed this transaction published the mark before re-checking the locks.
  v_own := ${s}.xact_id();
  SELECT last_value::text::xid8 INTO v_mark FROM ${s}.horizon_mark;
  IF v_own < v_mark OR current_setting('${noAppend}', true) = 'on' THEN
    PERFORM ${s}.refuse_append(v_own, v_mark);
  END IF;

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
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict, NULL::text, NULL::timestamptz, NULL::xid8;
      RETURN;
    END IF;
    IF v_existing = v_total THEN
      RETURN QUERY SELECT 'duplicate'::text, v_positions, NULL::uuid, NULL::text, NULL::timestamptz, NULL::xid8;
      RETURN;
    END IF;
    IF v_existing > 0 THEN
      SELECT n.id INTO v_conflict
        FROM jsonb_to_recordset(p_events) AS n(id uuid)
       WHERE EXISTS (SELECT 1 FROM ${s}.events s WHERE s.id = n.id)
       LIMIT 1;
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict, NULL::text, NULL::timestamptz, NULL::xid8;
      RETURN;
    END IF;
  END IF;

  -- Stamped after the locks: an append that queued behind another is recorded after it.
  v_recorded_at := clock_timestamp();

  FOR v_item IN SELECT jsonb_array_elements(p_query) LOOP
    v_tag := v_item->'tags'->>0;
    IF v_tag IS NULL OR p_snapshot IS NULL THEN
      v_rest := coalesce(v_rest, '[]'::jsonb) || jsonb_build_array(v_item);
      CONTINUE;
    END IF;
    SELECT array_agg(t.position) INTO v_candidates
      FROM ${s}.event_tags t
     WHERE t.tag = v_tag
       AND t.transaction_id >= pg_snapshot_xmin(p_snapshot)
       AND ${unseen('t.transaction_id', 't.position', 'p_snapshot', 'v_head_own', 'v_head_own_position')};
    CONTINUE WHEN v_candidates IS NULL;
    SELECT EXISTS (
      SELECT 1 FROM ${s}.events e
       WHERE e.position = ANY (v_candidates)
         AND (NOT v_item ? 'types' OR e.type = ANY (ARRAY(SELECT jsonb_array_elements_text(v_item->'types'))))
         AND e.tags @> ARRAY(SELECT jsonb_array_elements_text(v_item->'tags'))
         AND (NOT v_item ? 'data' OR e.data @> (v_item->'data')))
      INTO v_found;
    EXIT WHEN v_found;
  END LOOP;

  IF NOT v_found AND v_rest IS NOT NULL AND p_snapshot IS NOT NULL
     AND pg_snapshot_xmax(${s}.snapshot())::text::numeric - pg_snapshot_xmin(p_snapshot)::text::numeric <= ${RECENT_WINDOW} THEN
    -- Only items without tags get here when there is a head. No upper bound on the range: this transaction's
    -- own id can be at or past the current snapshot's xmax.
    WITH recent AS MATERIALIZED (
      SELECT e.type, e.data
        FROM ${s}.events e
       WHERE e.transaction_id >= pg_snapshot_xmin(p_snapshot)
         AND ${unseen('e.transaction_id', 'e.position', 'p_snapshot', 'v_head_own', 'v_head_own_position')}
    )
    SELECT EXISTS (
      SELECT 1
        FROM recent e
        JOIN jsonb_array_elements(v_rest) AS q(item)
          ON (NOT q.item ? 'types' OR e.type = ANY (ARRAY(SELECT jsonb_array_elements_text(q.item->'types'))))
         AND (NOT q.item ? 'data' OR e.data @> (q.item->'data')))
      INTO v_found;
  ELSIF NOT v_found AND v_rest IS NOT NULL THEN
    FOR v_item IN SELECT jsonb_array_elements(v_rest) LOOP
      -- A tagged item (no head) is planned through the tags index whatever the statistics: a MATERIALIZED CTE is
      -- planned for all its rows (under EXISTS, a never-analyzed table got a Seq Scan, 228 ms), and the type and
      -- payload criteria are written so that no index serves them (no BitmapAnd with every event of the type).
      IF v_item ? 'tags' THEN
        v_sql := 'SELECT EXISTS (WITH c AS MATERIALIZED (SELECT 1 FROM ${literalSchema}.events e WHERE e.tags @> $2';
        IF v_item ? 'types' THEN v_sql := v_sql || ' AND (e.type || '''') = ANY ($1)'; END IF;
        IF v_item ? 'data' THEN v_sql := v_sql || ' AND (e.data #> ''{}'') @> $3'; END IF;
      ELSE
        v_sql := 'SELECT EXISTS (WITH c AS NOT MATERIALIZED (SELECT 1 FROM ${literalSchema}.events e WHERE true';
        IF v_item ? 'types' THEN v_sql := v_sql || ' AND e.type = ANY ($1)'; END IF;
        IF v_item ? 'data' THEN v_sql := v_sql || ' AND e.data @> $3'; END IF;
      END IF;
      IF p_snapshot IS NOT NULL THEN
        v_sql := v_sql || ' AND e.transaction_id >= pg_snapshot_xmin($4) AND '
                       || '${unseen('e.transaction_id', 'e.position', '$4', '$5', '$6')}';
      END IF;
      EXECUTE v_sql || ') SELECT 1 FROM c)' INTO v_found USING
        ARRAY(SELECT jsonb_array_elements_text(v_item->'types')),
        ARRAY(SELECT jsonb_array_elements_text(v_item->'tags')),
        v_item->'data',
        p_snapshot,
        v_head_own,
        v_head_own_position;
      EXIT WHEN v_found;
    END LOOP;
  END IF;
  IF v_found THEN
    RETURN QUERY SELECT 'condition-failed'::text, NULL::bigint[], NULL::uuid, NULL::text, NULL::timestamptz, NULL::xid8;
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

  -- The head (see head_state()): this append's last position is its transaction's last one so far.
  RETURN QUERY SELECT 'appended'::text, v_positions, NULL::uuid,
    CASE WHEN p_query IS NULL THEN NULL ELSE ${s}.snapshot()::text || '/' || v_own::text || '/' || v_positions[v_total]::text END,
    v_recorded_at, v_own;
END
$fn$;
`;
}
