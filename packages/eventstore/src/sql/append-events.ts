import { sql, type Kysely } from 'kysely';
import type { LockPlan } from '../lock-keys.js';
import type { EventStoreTables } from '../schema/tables.js';

export type AppendOutcome =
  | { readonly outcome: 'appended' | 'duplicate'; readonly positions: bigint[] }
  | { readonly outcome: 'condition-failed' }
  | { readonly outcome: 'id-conflict'; readonly conflictId: string };

/** Calls `append_events` (see the migration): locks, idempotency, condition and insert in one statement. */
export async function appendEvents(
  db: Kysely<EventStoreTables>,
  schema: string,
  input: {
    readonly eventsJson: string;
    readonly locks: LockPlan;
    readonly checkIds: boolean;
    readonly queryJson: string | null;
    readonly snapshot: string | null;
    readonly notifyChannel: string | null;
  },
): Promise<AppendOutcome> {
  const { rows } = await sql<{ outcome: string; positions: string[] | null; conflict_id: string | null }>`
    SELECT * FROM ${sql.id(schema, 'append_events')}(
      ${input.eventsJson}::jsonb,
      ${input.locks.keys}::bigint[],
      ${input.locks.exclusive}::boolean[],
      ${input.checkIds}::boolean,
      ${input.queryJson}::jsonb,
      ${input.snapshot}::pg_snapshot,
      ${input.notifyChannel}::text)`.execute(db);
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
