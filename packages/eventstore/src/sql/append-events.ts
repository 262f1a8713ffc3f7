import type { LockPlan } from '../lock-keys.js';
import type { StatementRunner } from './runner.js';

export type AppendOutcome =
  | { readonly outcome: 'appended' | 'duplicate'; readonly positions: bigint[] }
  | { readonly outcome: 'condition-failed' }
  | { readonly outcome: 'id-conflict'; readonly conflictId: string };

export interface AppendInput {
  readonly eventsJson: string;
  readonly locks: LockPlan;
  readonly checkIds: boolean;
  readonly queryJson: string | null;
  readonly snapshot: string | null;
  readonly notifyChannel: string | null;
}

/**
 * The call of `append_events` (see the migration) for `schema`: one fixed text per store, built once, so
 * nothing is compiled per append and the store's own connections can keep it prepared.
 */
export function appendStatement(schema: string): { readonly text: string; readonly name: string } {
  return {
    text: `SELECT outcome, positions, conflict_id FROM "${schema}".append_events($1::jsonb, $2::bigint[], $3::boolean[], $4::boolean, $5::jsonb, $6::pg_snapshot, $7::text)`,
    name: `tally_append_${schema}`,
  };
}

/** Calls `append_events`: locks, idempotency, condition and insert in one statement. */
export async function appendEvents(
  run: StatementRunner,
  statement: { readonly text: string; readonly name: string },
  input: AppendInput,
): Promise<AppendOutcome> {
  const rows = await run<{ outcome: string; positions: string[] | null; conflict_id: string | null }>(
    statement.text,
    [input.eventsJson, input.locks.keys, input.locks.exclusive, input.checkIds, input.queryJson, input.snapshot, input.notifyChannel],
    statement.name,
  );
  const row = rows[0];
  if (!row) throw new Error('append_events returned no row');
  switch (row.outcome) {
    case 'appended':
    case 'duplicate':
      return { outcome: row.outcome, positions: (row.positions ?? []).map((p) => BigInt(p)) };
    case 'condition-failed':
      return { outcome: 'condition-failed' };
    case 'id-conflict':
      return { outcome: 'id-conflict', conflictId: row.conflict_id ?? 'unknown' };
    default:
      throw new Error(`append_events returned an unknown outcome: ${row.outcome}`);
  }
}
