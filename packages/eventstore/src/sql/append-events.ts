import type { LockPlan } from '../lock-keys.js';
import { noAppendSetting } from '../schema/tables.js';
import type { StatementRunner } from './runner.js';

export type AppendOutcome =
  | {
      readonly outcome: 'appended';
      readonly positions: bigint[];
      readonly head: string | null;
      /** Through `append_events` only (conditions, ids): when and by which transaction the events were written. */
      readonly occurredAt?: Date;
      readonly transactionId?: bigint;
    }
  | { readonly outcome: 'duplicate'; readonly positions: bigint[] }
  | { readonly outcome: 'condition-failed' }
  | { readonly outcome: 'id-conflict'; readonly conflictId: string };

export interface AppendInput {
  readonly eventsJson: string;
  readonly locks: LockPlan;
  readonly checkIds: boolean;
  readonly queryJson: string | null;
  readonly snapshot: string | null;
  /** The store the head was made by, and its own transaction and the last position it had written (see `head.ts`). */
  readonly headStore: string | null;
  readonly headOwn: string | null;
  readonly headOwnPosition: string | null;
  readonly notifyChannel: string | null;
  /** Hashes (hex) of the subjects whose keys encrypted the batch, or null: the statement refuses if one is erased. */
  readonly subjects: readonly string[] | null;
}

export interface AppendStatements {
  /** `append_events` (see the migrations): locks, idempotency, condition, insert. */
  readonly general: { readonly text: string; readonly name: string };
  /** A plain INSERT for what most appends are: no condition, no caller-chosen ids. */
  readonly plain: { readonly text: string; readonly name: string };
  /** The same two for a batch with personal data: first the erased-subject check (migration 0009), on one more parameter. */
  readonly guardedGeneral: { readonly text: string; readonly name: string };
  readonly guardedPlain: { readonly text: string; readonly name: string };
}

/**
 * The two append statements of `schema`, each one fixed text per store, built once, so nothing is compiled per
 * append and the store's own connections keep them prepared.
 *
 * The plain statement skips the PL/pgSQL call (measured with pgbench, 8 clients, synchronous_commit off:
 * 1.15–1.3× the function's appends per second). It still takes the write locks before inserting: the lock subquery is uncorrelated, so it runs
 * once as the INSERT's one-time filter, before the first row is produced; `occurred_at` is an init plan too,
 * first evaluated with the first row, so after the locks. Same rows, locks and order as `append_events`.
 */
export function appendStatements(schema: string): AppendStatements {
  const statements = {
    general: {
      text:
        `SELECT outcome, positions, conflict_id, head, recorded_at, transaction_id::text AS transaction_id FROM "${schema}".append_events(` +
        `$1::jsonb, $2::bigint[], $3::boolean[], $4::boolean, $5::jsonb, $6::pg_snapshot, $7::xid8, $8::bigint, $9::text, $10::uuid)`,
      name: `tally_append_${schema}`,
    },
    plain: {
      text:
        `WITH inserted AS (INSERT INTO "${schema}".events (id, type, data, tags, metadata, occurred_at, schema_version) ` +
        `SELECT e.id, e.type, e.data, e.tags, e.metadata, (SELECT clock_timestamp()), coalesce(e.schema_version, 1) ` +
        `FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, type text, data jsonb, tags text[], metadata jsonb, "schemaVersion" integer)) ` +
        `WITH ORDINALITY AS e(id, type, data, tags, metadata, schema_version, ord) ` +
        // The locks first (the aggregate), then the horizon check (the CASE after it): see append_events.
        `WHERE (SELECT CASE WHEN count(CASE WHEN l.exclusive THEN pg_advisory_xact_lock(l.key) ELSE pg_advisory_xact_lock_shared(l.key) END) >= 0 ` +
        `THEN CASE WHEN "${schema}".xact_id() >= (SELECT last_value FROM "${schema}".horizon_mark)::text::xid8 ` +
        `AND current_setting('${noAppendSetting(schema)}', true) IS DISTINCT FROM 'on' THEN true ` +
        `ELSE "${schema}".refuse_append("${schema}".xact_id(), (SELECT last_value FROM "${schema}".horizon_mark)::text::xid8) END END ` +
        `FROM unnest($2::bigint[], $3::boolean[]) AS l(key, exclusive)) ` +
        `ORDER BY e.ord RETURNING position) ` +
        `SELECT array_agg(position ORDER BY position) AS positions, ` +
        `CASE WHEN $4::text IS NOT NULL THEN pg_notify($4::text, max(position)::text) END AS notified FROM inserted`,
      name: `tally_append_plain_${schema}`,
    },
  };
  // Whether one of the batch's subjects is erased, asked of `erasures` (written in the erasure's own statement,
  // beside the key's destruction): a table of the few erased subjects, so the check costs the same at any number
  // of subjects and whatever the statistics (through `subject_keys`, the generic plan scanned every key: ~70 µs an
  // append at 800 subjects). `refuse_erased` (migration 0009) runs only to raise SUBJECT_ERASED.
  const live = (n: number) =>
    `(CASE WHEN EXISTS (SELECT 1 FROM "${schema}".erasures x WHERE x.subject_hash = ANY (ARRAY(SELECT decode(h, 'hex') FROM unnest($${n}::text[]) AS h))) ` +
    `THEN "${schema}".refuse_erased($${n}::text[]) ELSE true END)`;
  return {
    ...statements,
    guardedGeneral: { text: `${statements.general.text} WHERE ${live(11)}`, name: `${statements.general.name}_guarded` },
    guardedPlain: { text: statements.plain.text.replace('WHERE (SELECT CASE', `WHERE ${live(5)} AND (SELECT CASE`), name: `${statements.plain.name}_guarded` },
  };
}

const toPositions = (positions: string[] | null | undefined): bigint[] => (positions ?? []).map((p) => BigInt(p));

/**
 * Appends: the plain INSERT when there is no condition and no caller-chosen id, else `append_events`. Either
 * way one statement and one round trip.
 */
export function appendEvents(run: StatementRunner, statements: AppendStatements, input: AppendInput): Promise<AppendOutcome> {
  if (input.queryJson === null && !input.checkIds) {
    const { text, name } = input.subjects === null ? statements.plain : statements.guardedPlain;
    const params = [input.eventsJson, input.locks.keys, input.locks.exclusive, input.notifyChannel];
    return run<{ positions: string[] | null }>(text, input.subjects === null ? params : [...params, input.subjects], name).then((rows) => ({
      outcome: 'appended',
      positions: toPositions(rows[0]?.positions),
      head: null,
    }));
  }
  const { text, name } = input.subjects === null ? statements.general : statements.guardedGeneral;
  return run<GeneralRow>(
    text,
    [
      input.eventsJson,
      input.locks.keys,
      input.locks.exclusive,
      input.checkIds,
      input.queryJson,
      input.snapshot,
      input.headOwn,
      input.headOwnPosition,
      input.notifyChannel,
      input.headStore,
      ...(input.subjects === null ? [] : [input.subjects]),
    ],
    name,
  ).then((rows) => generalOutcome(rows[0]));
}

/** The row of `append_events`. */
interface GeneralRow {
  readonly outcome: string;
  readonly positions: string[] | null;
  readonly conflict_id: string | null;
  readonly head: string | null;
  readonly recorded_at: Date | null;
  readonly transaction_id: string | null;
}

function generalOutcome(row: GeneralRow | undefined): AppendOutcome {
  if (!row) throw new Error('append_events returned no row');
  switch (row.outcome) {
    case 'appended':
      return {
        outcome: 'appended',
        positions: toPositions(row.positions),
        head: row.head,
        ...(row.recorded_at === null ? {} : { occurredAt: row.recorded_at }),
        ...(row.transaction_id === null ? {} : { transactionId: BigInt(row.transaction_id) }),
      };
    case 'duplicate':
      return { outcome: 'duplicate', positions: toPositions(row.positions) };
    case 'condition-failed':
      return { outcome: 'condition-failed' };
    case 'id-conflict':
      return { outcome: 'id-conflict', conflictId: row.conflict_id ?? 'unknown' };
    default:
      throw new Error(`append_events returned an unknown outcome: ${row.outcome}`);
  }
}
