import { EVENT_DIGEST_SQL, GENESIS_CHAIN_SQL } from './seal-digest.js';
import type { StatementRunner } from './runner.js';

/** The first seal whose chain value is not SHA-256(previous chain ‖ its digests), and the seals' count. */
export async function firstBrokenSeal(run: StatementRunner, schema: string): Promise<{ seals: number; broken?: bigint }> {
  const rows = await run<{ seals: string; broken: string | null }>(
    `SELECT count(*)::text AS seals, min(seal) FILTER (WHERE NOT ok)::text AS broken
       FROM (SELECT seal, chain = sha256(coalesce(lag(chain) OVER (ORDER BY seal), ${GENESIS_CHAIN_SQL}) || digests) AS ok
               FROM "${schema}".event_seals) c`,
    [],
  );
  const row = rows[0]!;
  return { seals: Number(row.seals), ...(row.broken === null ? {} : { broken: BigInt(row.broken) }) };
}

/** A seal's number, size and end (where the next one starts). */
export interface SealExtent {
  readonly seal: bigint;
  readonly events: number;
  readonly lastTransactionId: bigint;
  readonly lastPosition: bigint;
}

/** Seals from `first` to `last` (numbers), in order, without their digests. */
export async function sealExtents(run: StatementRunner, schema: string, first: bigint, last: bigint): Promise<SealExtent[]> {
  const rows = await run<{ seal: string; events: number; last_transaction_id: string; last_position: string }>(
    // ORDER BY s.seal, the column: a bare `seal` would be the text output column ('10' before '9').
    `SELECT s.seal::text, cardinality(s.positions) AS events, s.last_transaction_id::text, s.last_position::text
       FROM "${schema}".event_seals s WHERE s.seal BETWEEN $1 AND $2 ORDER BY s.seal`,
    [first.toString(), last.toString()],
  );
  return rows.map((r) => ({ seal: BigInt(r.seal), events: r.events, lastTransactionId: BigInt(r.last_transaction_id), lastPosition: BigInt(r.last_position) }));
}

/** The lowest and highest seal holding a position in `[from, to]`. */
export async function sealsTouching(run: StatementRunner, schema: string, from: bigint, to: bigint): Promise<{ first: bigint; last: bigint } | undefined> {
  const rows = await run<{ first: string | null; last: string | null }>(
    `SELECT min(seal)::text AS first, max(seal)::text AS last FROM "${schema}".event_seals WHERE max_position >= $1 AND min_position <= $2`,
    [from.toString(), to.toString()],
  );
  const row = rows[0];
  return row?.first && row.last ? { first: BigInt(row.first), last: BigInt(row.last) } : undefined;
}

/** What comparing a run of seals with the events gave. */
export interface RunComparison {
  /** Sealed events of the range that were compared. */
  readonly checked: number;
  /** The first place where the seals and the events differ, in the chain's order. */
  readonly broken?: {
    /** The sealed position at that place (none: more events than sealed). */
    readonly sealed: bigint | null;
    /** The stored event at that place (none: fewer events than sealed). */
    readonly actual: bigint | null;
    /** Whether the stored event's position is sealed somewhere in the run (false: it was inserted). */
    readonly actualSealed: boolean;
  };
}

/**
 * Compares the seals `first`..`last` with the events between `after` (the end of seal `first - 1`) and `through`
 * (the end of `last`), both restricted to positions in `[from, to]`: the sealed positions and digests in chain
 * order against the stored events in `(transaction_id, position)` order, their digests recomputed, place by
 * place. A changed event differs in its digest; a deleted one shifts every place after it (its position is the
 * sealed one at the first differing place); an inserted one, or one whose transaction id was changed, lands
 * at a place the seals give another position. One statement: nothing but the answer leaves the server.
 */
export async function compareRun(
  run: StatementRunner,
  schema: string,
  seals: { readonly first: bigint; readonly last: bigint },
  after: { readonly transactionId: bigint; readonly position: bigint },
  through: { readonly transactionId: bigint; readonly position: bigint },
  range: { readonly from: bigint; readonly to: bigint },
): Promise<RunComparison> {
  const s = `"${schema}"`;
  const rows = await run<{ checked: string; sealed: string | null; actual: string | null; actual_sealed: boolean }>(
    `
WITH seal AS MATERIALIZED (
  -- The digests detoasted once per seal (a substring per event of the stored value would fetch it again each time).
  SELECT seal, positions, digests || ''::bytea AS digests FROM ${s}.event_seals WHERE seal BETWEEN $1 AND $2
), sealed AS (
  -- OFFSET 0 keeps the subqueries apart: each row is cut down to its digest before the sort of the window (else
  -- the sort carries every seal's whole digests, or every event's whole row, along).
  SELECT position, digest, row_number() OVER (ORDER BY seal, ord) AS place
    FROM (SELECT s.seal, p.ord, p.position, substring(s.digests FROM (p.ord::int - 1) * 32 + 1 FOR 32) AS digest
            FROM seal s, unnest(s.positions) WITH ORDINALITY AS p(position, ord)
           WHERE p.position BETWEEN $3 AND $4 OFFSET 0) x
), actual AS (
  SELECT position, digest, row_number() OVER (ORDER BY transaction_id, position) AS place
    FROM (SELECT e.transaction_id, e.position, ${EVENT_DIGEST_SQL} AS digest
            FROM ${s}.events e
           WHERE (e.transaction_id, e.position) > ($5::xid8, $6::bigint) AND (e.transaction_id, e.position) <= ($7::xid8, $8::bigint)
             AND e.position BETWEEN $3 AND $4 OFFSET 0) x
), differing AS (
  SELECT s.position AS sealed, a.position AS actual
    FROM sealed s FULL JOIN actual a ON a.place = s.place
   WHERE s.position IS DISTINCT FROM a.position OR s.digest IS DISTINCT FROM a.digest
   ORDER BY coalesce(s.place, a.place)
   LIMIT 1
)
SELECT (SELECT count(*) FROM sealed)::text AS checked, d.sealed::text, d.actual::text,
       EXISTS (SELECT 1 FROM sealed s WHERE s.position = d.actual) AS actual_sealed
  FROM (SELECT 1) one LEFT JOIN differing d ON true`,
    [seals.first, seals.last, range.from, range.to, after.transactionId, after.position, through.transactionId, through.position].map(String),
  );
  const row = rows[0]!;
  const checked = Number(row.checked);
  if (row.sealed === null && row.actual === null) return { checked };
  const actual = row.actual === null ? null : BigInt(row.actual);
  return { checked, broken: { sealed: row.sealed === null ? null : BigInt(row.sealed), actual, actualSealed: row.actual_sealed } };
}

/** The chain value of seal `seal` (hex), if it exists, and its first position. */
export async function sealChain(run: StatementRunner, schema: string, seal: bigint): Promise<{ chain: string; firstPosition: bigint } | undefined> {
  const rows = await run<{ chain: string; first: string }>(
    `SELECT encode(chain, 'hex') AS chain, positions[1]::text AS first FROM "${schema}".event_seals WHERE seal = $1`,
    [seal.toString()],
  );
  return rows[0] && { chain: rows[0].chain, firstPosition: BigInt(rows[0].first) };
}

/** The first event (in settled order) after `after`, and how many events of `[from, to]` lie after it. */
export async function eventsAfter(
  run: StatementRunner,
  schema: string,
  after: { readonly transactionId: bigint; readonly position: bigint },
  range: { readonly from: bigint; readonly to: bigint },
): Promise<{ first?: bigint; count: number }> {
  const rows = await run<{ first: string | null; count: string }>(
    `SELECT (SELECT e.position::text FROM "${schema}".events e
              WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ORDER BY e.transaction_id, e.position LIMIT 1) AS first,
            (SELECT count(*)::text FROM "${schema}".events
              WHERE (transaction_id, position) > ($1::xid8, $2::bigint) AND position BETWEEN $3 AND $4) AS count`,
    [after.transactionId, after.position, range.from, range.to].map(String),
  );
  const row = rows[0]!;
  return { count: Number(row.count), ...(row.first === null ? {} : { first: BigInt(row.first) }) };
}
