import { eventDigestSql, GENESIS_CHAIN_SQL } from './seal-digest.js';
import type { StatementRunner } from './runner.js';

/** One new seal, as `sealBatch` wrote it. */
export interface SealRow {
  readonly seal: string;
  readonly events: number;
  readonly chain: string;
  readonly last_transaction_id: string;
  readonly last_position: string;
}

/**
 * Seals the next settled events (at most `limit`) after `last` (the last seal, read in this transaction), below
 * `horizon` (from `settle()`, computed before and outside this transaction, as for `readSettled`: every
 * transaction below it has ended, and this statement's snapshot is newer, so the events it reads in
 * `(transaction_id, position)` order can never be joined by one behind them). Must run in a transaction that
 * holds the seal lock, so `last` is the last seal there is. Returns nothing when there is nothing to seal.
 *
 * The start is bound as values (not read in the statement), so the plan is an index scan in
 * `(transaction_id, position)` order that stops after `limit` rows, and digests are computed for those rows
 * only (read from a CTE, the planner scanned every event after the start on each batch).
 */
export async function sealBatch(
  run: StatementRunner,
  schema: string,
  horizon: bigint,
  limit: number,
  last: Omit<SealRow, 'events'> | undefined,
): Promise<SealRow | undefined> {
  const s = `"${schema}"`;
  const rows = await run<SealRow>(
    `
WITH batch AS MATERIALIZED (
  SELECT n.transaction_id, n.position, ${eventDigestSql('n')} AS digest
    FROM (SELECT e.* FROM ${s}.events e
           WHERE (e.transaction_id, e.position) > ($3::xid8, $4::bigint) AND e.transaction_id < $1::xid8
           ORDER BY e.transaction_id, e.position
           LIMIT $2) n
), sealed AS (
  SELECT array_agg(position ORDER BY transaction_id, position) AS positions,
         string_agg(digest, ''::bytea ORDER BY transaction_id, position) AS digests,
         (array_agg(transaction_id ORDER BY transaction_id DESC, position DESC))[1] AS last_transaction_id,
         (array_agg(position ORDER BY transaction_id DESC, position DESC))[1] AS last_position,
         min(position) AS min_position, max(position) AS max_position
    FROM batch
)
INSERT INTO ${s}.event_seals (seal, last_transaction_id, last_position, min_position, max_position, positions, digests, chain)
SELECT $5::bigint + 1, sealed.last_transaction_id, sealed.last_position, sealed.min_position, sealed.max_position,
       sealed.positions, sealed.digests, sha256(coalesce(decode($6, 'hex'), ${GENESIS_CHAIN_SQL}) || sealed.digests)
  FROM sealed
 WHERE sealed.positions IS NOT NULL
RETURNING seal::text, cardinality(positions) AS events, encode(chain, 'hex') AS chain,
          last_transaction_id::text, last_position::text`,
    [horizon.toString(), limit, last?.last_transaction_id ?? '0', last?.last_position ?? '0', last?.seal ?? '0', last?.chain ?? null],
  );
  return rows[0];
}

/** The last seal, if any: `<seal>:<chain in hex>`, and where it ends. */
export async function lastSeal(run: StatementRunner, schema: string): Promise<Omit<SealRow, 'events'> | undefined> {
  const rows = await run<Omit<SealRow, 'events'>>(
    // ORDER BY s.seal, the column: a bare `seal` would be the text output column ('99' after '100').
    `SELECT s.seal::text, encode(s.chain, 'hex') AS chain, s.last_transaction_id::text, s.last_position::text
       FROM "${schema}".event_seals s ORDER BY s.seal DESC LIMIT 1`,
    [],
  );
  return rows[0];
}
