import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { xidSpaceFunctions } from './xid-space.js';

/** What `relocateIfMoved` found and did. */
export interface Relocation {
  /** True when the store was found on another cluster or database than it was last migrated on. */
  readonly moved: boolean;
  /** The transaction-id offset in force afterwards. */
  readonly xidOffset: bigint;
}

/**
 * Run by `migrate()` after the migrations: detects a store restored (or copied) into another cluster or
 * database — `pg_dump | pg_restore`, `CREATE DATABASE … TEMPLATE` — and makes it whole there:
 *
 * - the transaction-id offset is raised so that every id this cluster hands out from now on, in any
 *   transaction already running too, lands above every restored event and checkpoint (`xid-space.ts`);
 *   restored events are then settled for followers and seen by every head;
 * - the head secret is replaced: heads of the old cluster describe another transaction history and would
 *   misjudge conditions here, so they are refused (`INVALID_HEAD`); read again;
 * - the horizon mark (about transactions of the old cluster) starts over.
 *
 * `s` is the quoted schema name, `schema` the plain one. Runs under the migration lock.
 */
export async function relocateIfMoved(db: Kysely<unknown>, s: string, schema: string): Promise<Relocation> {
  const checkpoints = await checkpointHigh(db, s, schema);
  const { rows } = await sql<{ moved: boolean; xid_offset: string; need: string }>`
    SELECT (i.system_identifier IS DISTINCT FROM (SELECT system_identifier::text FROM pg_control_system())
            OR i.database_oid <> (SELECT oid FROM pg_database WHERE datname = current_database())) AS moved,
           i.xid_offset::text AS xid_offset,
           (greatest(coalesce((SELECT max(transaction_id)::text::numeric + 1 FROM ${sql.raw(s)}.events), 0), ${checkpoints}::numeric)
            - pg_snapshot_xmin(pg_current_snapshot())::text::numeric)::text AS need
      FROM ${sql.raw(s)}.store_identity i`.execute(db);
  const row = rows[0];
  if (!row) throw new Error(`${schema}.store_identity has no row`);
  const current = BigInt(row.xid_offset);
  if (!row.moved) return { moved: false, xidOffset: current };
  const need = BigInt(row.need);
  const offset = need > current ? need : current;
  // One transaction: interrupted (a deploy timing out), it leaves the store as it was, and the next migrate()
  // finds it moved again; half done, the identity would say "relocated" with the functions of before.
  await db.transaction().execute(async (trx) => {
    await sql`
    UPDATE ${sql.raw(s)}.store_identity
       SET store_id = gen_random_uuid(), secret = ${randomBytes(32)}, xid_offset = ${offset.toString()}::numeric,
           system_identifier = (SELECT system_identifier::text FROM pg_control_system()),
           database_oid = (SELECT oid FROM pg_database WHERE datname = current_database()), relocated_at = now()`.execute(trx);
    if (offset !== current) await sql.raw(xidSpaceFunctions(s, offset)).execute(trx);
    await sql`SELECT setval(${`${s}.horizon_mark`}, 1)`.execute(trx);
  });
  return { moved: true, xidOffset: offset };
}

/**
 * The highest transaction id of the projector's checkpoints in this schema (0 without that table): a
 * checkpoint `(t, p)` promises that nothing below `t` is left, so new ids must land at or above it.
 */
async function checkpointHigh(db: Kysely<unknown>, s: string, schema: string): Promise<string> {
  const { rows } = await sql<{ exists: boolean }>`SELECT to_regclass(${`${schema}.projection_checkpoints`}) IS NOT NULL AS exists`.execute(db);
  if (!rows[0]?.exists) return '0';
  const high = await sql<{ m: string | null }>`SELECT max(transaction_id)::text AS m FROM ${sql.raw(s)}.projection_checkpoints`.execute(db);
  return high.rows[0]?.m ?? '0';
}
