import { sql, type Kysely, type Migration } from 'kysely';
import { IMMUTABLE_EVENTS_SQLSTATE, REPEATABLE_READ_SQLSTATE } from './tables.js';

/**
 * The events table, its indexes and immutability triggers, and the first `append_events` (replaced by
 * 0002). An applied migration never changes: this text is what every existing store ran.
 * `s` is the quoted schema name.
 */
export function eventsMigration(s: string): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql
        .raw(
          `
CREATE TABLE ${s}.events (
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
  id             uuid        NOT NULL,
  type           text        NOT NULL CHECK (type <> ''),
  data           jsonb       NOT NULL,
  tags           text[]      NOT NULL DEFAULT '{}',
  metadata       jsonb       NOT NULL DEFAULT '{}',
  occurred_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_id_key UNIQUE (id)
);
CREATE INDEX events_type_position_idx ON ${s}.events (type, position);
-- A small GIN pending list (128 kB instead of 4 MB): inserts still batch their GIN entries, and a lookup never
-- scans more than 128 kB of unsorted entries (with the default, a tag read at 1M events went from 1 ms to 16 ms
-- until VACUUM; with fastupdate off, 100-event appends from one client fell to half their rate).
CREATE INDEX events_tags_idx ON ${s}.events USING gin (tags) WITH (gin_pending_list_limit = 128);
CREATE INDEX events_data_idx ON ${s}.events USING gin (data jsonb_path_ops) WITH (gin_pending_list_limit = 128);
CREATE INDEX events_transaction_position_idx ON ${s}.events (transaction_id, position);

CREATE FUNCTION ${s}.reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'events are immutable: % on %.% is not allowed', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
    USING ERRCODE = '${IMMUTABLE_EVENTS_SQLSTATE}';
END
$fn$;
CREATE TRIGGER events_immutable BEFORE UPDATE OR DELETE ON ${s}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${s}.events
  FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();
`,
        )
        .execute(db);
      await sql.raw(appendFunction(s)).execute(db);
    },
  };
}

/**
 * `append_events`, first version: the whole append in one statement and one round trip.
 *
 * 1. Advisory locks, in the sorted order the caller computed (shared for written keys, exclusive for
 *    condition keys). Statements that follow get a fresh snapshot (VOLATILE, READ COMMITTED), so the
 *    check below sees whatever the lock holders we waited for committed.
 * 2. Idempotency: when the caller supplied ids, a batch whose ids are all stored with the same content
 *    returns the stored positions; any other overlap is an id conflict.
 * 3. The condition, per query item: is there a matching event that the read's snapshot did not see?
 *    Only transactions at or after the snapshot's xmin can be invisible to it, so the check scans the
 *    (transaction_id, position) index from there, whatever the size of the store. Events written earlier
 *    by the same transaction count as seen (the transaction knows what it wrote). Without a snapshot
 *    (no read) any matching event fails it. The SQL text is built from the item's shape only; values
 *    are bound with USING.
 * 4. Insert in batch order, then (optionally) NOTIFY with the last position.
 */
function appendFunction(s: string): string {
  return `
CREATE FUNCTION ${s}.append_events(
  p_events jsonb,
  p_lock_keys bigint[],
  p_lock_exclusive boolean[],
  p_check_ids boolean,
  p_query jsonb,
  p_snapshot pg_snapshot,
  p_notify text
) RETURNS TABLE (outcome text, positions bigint[], conflict_id uuid)
LANGUAGE plpgsql VOLATILE AS $fn$
DECLARE
  v_i integer;
  v_item jsonb;
  v_sql text;
  v_found boolean;
  v_total integer := jsonb_array_length(p_events);
  v_existing integer;
  v_conflict uuid;
  v_positions bigint[];
  -- Stamped after the locks: an append that queued behind another is recorded after it (now() would give
  -- the moment it started waiting, so "as of" queries could see an effect before its cause).
  v_recorded_at timestamptz;
BEGIN
  IF p_query IS NOT NULL AND current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'a conditional append needs READ COMMITTED or SERIALIZABLE isolation'
      USING ERRCODE = '${REPEATABLE_READ_SQLSTATE}';
  END IF;

  FOR v_i IN 1 .. coalesce(array_length(p_lock_keys, 1), 0) LOOP
    IF p_lock_exclusive[v_i] THEN
      PERFORM pg_advisory_xact_lock(p_lock_keys[v_i]);
    ELSE
      PERFORM pg_advisory_xact_lock_shared(p_lock_keys[v_i]);
    END IF;
  END LOOP;

  IF p_check_ids THEN
    SELECT count(s.position)::integer,
           (array_agg(n.id ORDER BY n.ord) FILTER (WHERE s.position IS NOT NULL AND (
              s.type IS DISTINCT FROM n.type OR s.data IS DISTINCT FROM n.data OR s.tags IS DISTINCT FROM n.tags)))[1],
           array_agg(s.position ORDER BY n.ord)
      INTO v_existing, v_conflict, v_positions
      FROM (SELECT (e->>'id')::uuid AS id, e->>'type' AS type, e->'data' AS data,
                   ARRAY(SELECT jsonb_array_elements_text(e->'tags')) AS tags, x.ord
              FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, ord)) n
      LEFT JOIN ${s}.events s ON s.id = n.id;
    IF v_conflict IS NOT NULL THEN
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict;
      RETURN;
    END IF;
    IF v_existing = v_total THEN
      RETURN QUERY SELECT 'duplicate'::text, v_positions, NULL::uuid;
      RETURN;
    END IF;
    IF v_existing > 0 THEN
      SELECT (e->>'id')::uuid INTO v_conflict
        FROM jsonb_array_elements(p_events) AS x(e)
       WHERE EXISTS (SELECT 1 FROM ${s}.events s WHERE s.id = (e->>'id')::uuid)
       LIMIT 1;
      RETURN QUERY SELECT 'id-conflict'::text, NULL::bigint[], v_conflict;
      RETURN;
    END IF;
  END IF;

  v_recorded_at := clock_timestamp();

  IF p_query IS NOT NULL THEN
    FOR v_item IN SELECT jsonb_array_elements(p_query) LOOP
      v_sql := 'SELECT EXISTS (SELECT 1 FROM ${s.replaceAll("'", "''")}.events e WHERE true';
      IF p_snapshot IS NOT NULL THEN
        v_sql := v_sql || ' AND e.transaction_id >= pg_snapshot_xmin($1)'
                       || ' AND NOT pg_visible_in_snapshot(e.transaction_id, $1)'
                       || ' AND e.transaction_id IS DISTINCT FROM pg_current_xact_id_if_assigned()';
      END IF;
      IF v_item ? 'types' THEN v_sql := v_sql || ' AND e.type = ANY ($2)'; END IF;
      IF v_item ? 'tags' THEN v_sql := v_sql || ' AND e.tags @> $3'; END IF;
      IF v_item ? 'data' THEN v_sql := v_sql || ' AND e.data @> $4'; END IF;
      EXECUTE v_sql || ')' INTO v_found USING
        p_snapshot,
        ARRAY(SELECT jsonb_array_elements_text(v_item->'types')),
        ARRAY(SELECT jsonb_array_elements_text(v_item->'tags')),
        v_item->'data';
      IF v_found THEN
        RETURN QUERY SELECT 'condition-failed'::text, NULL::bigint[], NULL::uuid;
        RETURN;
      END IF;
    END LOOP;
  END IF;

  WITH inserted AS (
    INSERT INTO ${s}.events (id, type, data, tags, metadata, occurred_at)
    SELECT (e->>'id')::uuid, e->>'type', e->'data',
           ARRAY(SELECT jsonb_array_elements_text(e->'tags')), e->'metadata', v_recorded_at
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, ord)
     ORDER BY x.ord
    RETURNING position
  )
  SELECT array_agg(position ORDER BY position) INTO v_positions FROM inserted;

  IF p_notify IS NOT NULL THEN
    PERFORM pg_notify(p_notify, v_positions[v_total]::text);
  END IF;

  RETURN QUERY SELECT 'appended'::text, v_positions, NULL::uuid;
END
$fn$;
`;
}
