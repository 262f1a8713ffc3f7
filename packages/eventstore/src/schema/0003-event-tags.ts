import { sql, type Kysely, type Migration } from 'kysely';
import { REPEATABLE_READ_SQLSTATE } from './tables.js';

/**
 * 0003: `event_tags`, one row per (event, tag) with a btree on `(tag, transaction_id)`, and an `append_events`
 * that checks tagged condition items through it. `s` is the quoted schema name.
 *
 * Why: a condition asks "did a transaction the head could not see write an event matching the item?". Without
 * an index on (tag, writing transaction), that costs either a scan of every event written since the head's xmin
 * (each one fetched to read its tags) or every event of the tag. A service that keeps its decision state in
 * memory carries heads that are hundreds of transactions old, and paid for all of them on every append. With
 * the index, the check reads the events of the item's tag written since the head's xmin: usually none or a few.
 *
 * - Rows are written by a statement-level AFTER INSERT trigger (one INSERT from the transition table per
 *   statement), so every way into the events table maintains them (the plain INSERT, `append_events`, and the
 *   statements of processes still running an older Tally), in the same statement. pgbench, 1 client,
 *   synchronous_commit off, medians of 4–6 alternations, tps of the plain INSERT: one event 7,150 without
 *   `event_tags`, 6,290 with this trigger, 5,670 with a row trigger; 100 events 386 / 359 with this trigger /
 *   324 writing the rows in a second CTE of the INSERT / 271 with a row trigger.
 * - The tags GIN stays: reads by tag keep their bitmap scan (reading through `event_tags` probes the primary
 *   key once per event: about 0.65× the GIN's rate for a 100-event tag, measured with pgbench).
 * - The migration holds the events table against inserts (SHARE ROW EXCLUSIVE, as CREATE TRIGGER does) while
 *   it backfills, so no event committed before the trigger exists is left without its rows (1.16M events:
 *   3.7 s for the rows and the index, PostgreSQL 15 here).
 * - `event_tags` is as immutable as the events table.
 */
export function eventTagsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
LOCK TABLE ${s}.events IN SHARE ROW EXCLUSIVE MODE;
CREATE TABLE ${s}.event_tags (
  tag            text   NOT NULL,
  transaction_id xid8   NOT NULL,
  position       bigint NOT NULL
);
INSERT INTO ${s}.event_tags (tag, transaction_id, position)
SELECT t.tag, e.transaction_id, e.position FROM ${s}.events e, unnest(e.tags) AS t(tag);
CREATE INDEX event_tags_tag_transaction_idx ON ${s}.event_tags (tag, transaction_id) INCLUDE (position);
ANALYZE ${s}.event_tags;

CREATE FUNCTION ${s}.index_event_tags() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO ${s}.event_tags (tag, transaction_id, position)
  SELECT t.tag, n.transaction_id, n.position FROM new_events n, unnest(n.tags) AS t(tag);
  RETURN NULL;
END
$fn$;
CREATE TRIGGER events_index_tags AFTER INSERT ON ${s}.events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.index_event_tags();
CREATE TRIGGER event_tags_immutable BEFORE UPDATE OR DELETE ON ${s}.event_tags
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
CREATE TRIGGER event_tags_no_truncate BEFORE TRUNCATE ON ${s}.event_tags
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
`,
        )
        .execute(db);
      await sql.raw(appendFunction(s)).execute(db);
    },
  };
}

/**
 * `append_events` as in 0002 (locks, idempotency, condition, insert, head), except for the condition:
 *
 * - With a head, items with tags one by one: the `event_tags` rows of the item's first tag written by a
 *   transaction from the head's xmin on that the head could not see (usually none), then the item's other
 *   criteria on those events.
 * - Items without tags, and every item of a condition without a head, as in 0002: a recent head (≤ 256
 *   transaction ids back) scans the events of the transactions since its xmin; an old one, or none, runs each
 *   item as SQL planned for its values (without a head, the first match ends it).
 *
 * Events written earlier by the same transaction count as seen when there is a head.
 */
const RECENT_WINDOW = 256;

function appendFunction(s: string): string {
  const literalSchema = s.replaceAll("'", "''");
  return `
CREATE OR REPLACE FUNCTION ${s}.append_events(
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

  -- With a head, tagged items one by one: first the candidates from event_tags alone, then the item's other
  -- criteria on those events by primary key. (As one join, the planner answered from the tags and type indexes
  -- of events instead, reading every event of the tag and the type.)
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
       AND NOT pg_visible_in_snapshot(t.transaction_id, p_snapshot)
       AND t.transaction_id IS DISTINCT FROM pg_current_xact_id_if_assigned();
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

  -- The rest as in 0002: items without tags, and every item when there is no head ("nothing matching may exist":
  -- planned SQL stops at the first match, where the tag lookup would first collect every event of the tag).
  IF NOT v_found AND v_rest IS NOT NULL AND p_snapshot IS NOT NULL
     AND pg_snapshot_xmax(pg_current_snapshot())::text::numeric - pg_snapshot_xmin(p_snapshot)::text::numeric <= ${RECENT_WINDOW} THEN
    -- Only items without tags get here when there is a head.
    WITH recent AS MATERIALIZED (
      SELECT e.type, e.data
        FROM ${s}.events e
       WHERE e.transaction_id BETWEEN pg_snapshot_xmin(p_snapshot) AND pg_snapshot_xmax(pg_current_snapshot())
         AND NOT pg_visible_in_snapshot(e.transaction_id, p_snapshot)
         AND e.transaction_id IS DISTINCT FROM pg_current_xact_id_if_assigned()
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
  -- The head: see 0002 (a snapshot taken after the insert, extended past our own id when needed).
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
