import { lockHash } from '../lock-keys.js';
import type { HorizonBlocker } from '../types.js';
import type { StatementRunner } from './runner.js';

/** The advisory-lock keys `settle()` looks for, and takes, for the store of `schema`. */
export interface HorizonKeys {
  /** Taken (shared) by every append before anything else: "I append". */
  readonly any: string;
  /** Taken (shared) by a transaction that declares it never appends. */
  readonly noAppend: string;
  /** Serialises followers raising the horizon mark. */
  readonly mark: string;
}

export function horizonKeys(schema: string): HorizonKeys {
  return {
    any: lockHash(schema, 'any').toString(),
    noAppend: lockHash(schema, 'no-append').toString(),
    mark: lockHash(schema, 'horizon-mark').toString(),
  };
}

interface BlockerRow {
  transactionId: string;
  pid: number | null;
  database: string | null;
  applicationName: string | null;
  state: string | null;
  transactionAgeMs: number | null;
  reason: HorizonBlocker['reason'];
}

/**
 * Calls `settle()` (see `settle-function.ts`) in a transaction of its own: the transaction id below which
 * every transaction that could add events to this store has ended (or was passed), and who holds it back.
 * Must run before, and outside of, the read it serves.
 */
export async function settle(
  run: StatementRunner,
  schema: string,
  keys: HorizonKeys,
  graceMs: number,
): Promise<{ horizon: bigint; blockers: HorizonBlocker[] }> {
  const rows = await run<{ horizon: string; blockers: BlockerRow[] }>(
    `SELECT horizon::text AS horizon, blockers FROM "${schema}".settle($1::integer, $2::bigint, $3::bigint, $4::bigint)`,
    [graceMs, keys.any, keys.noAppend, keys.mark],
    `tally_settle_${schema}`,
  );
  const row = rows[0]!;
  return {
    horizon: BigInt(row.horizon),
    blockers: row.blockers.map((b) => ({
      transactionId: BigInt(b.transactionId),
      pid: b.pid,
      database: b.database,
      applicationName: b.applicationName,
      state: b.state,
      transactionAgeMs: b.transactionAgeMs === null ? null : Number(b.transactionAgeMs),
      reason: b.reason,
    })),
  };
}
