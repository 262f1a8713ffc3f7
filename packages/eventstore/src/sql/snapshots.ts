import type { StatementRunner } from './runner.js';
import type { DecisionSnapshot } from '../types.js';

interface SnapshotRow {
  version: string;
  state: unknown;
  position: string;
  head: string;
  events: string;
}

/** The snapshot of `decision` for `key`, if one was saved. */
export async function loadSnapshot(run: StatementRunner, schema: string, decision: string, key: string): Promise<DecisionSnapshot | undefined> {
  const rows = await run<SnapshotRow>(
    `SELECT version, state, position::text AS position, head, events::text AS events FROM "${schema}".decision_snapshots WHERE decision = $1 AND key = $2`,
    [decision, key],
    `tally_snapshot_load_${schema}`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return { decision, key, version: row.version, state: row.state, position: BigInt(row.position), head: row.head as DecisionSnapshot['head'], events: BigInt(row.events) };
}

/** Saves (replaces) a snapshot; an older one (fewer events folded) never replaces a newer one. */
export async function saveSnapshot(run: StatementRunner, schema: string, snapshot: DecisionSnapshot): Promise<void> {
  await run(
    `INSERT INTO "${schema}".decision_snapshots (decision, key, version, state, position, head, events) VALUES ($1, $2, $3, $4::jsonb, $5::bigint, $6, $7::bigint) ` +
      `ON CONFLICT (decision, key) DO UPDATE SET version = excluded.version, state = excluded.state, position = excluded.position, ` +
      `head = excluded.head, events = excluded.events, saved_at = now() ` +
      `WHERE "${schema}".decision_snapshots.version IS DISTINCT FROM excluded.version OR "${schema}".decision_snapshots.events < excluded.events`,
    [snapshot.decision, snapshot.key, snapshot.version, JSON.stringify(snapshot.state), snapshot.position.toString(), snapshot.head, snapshot.events.toString()],
    `tally_snapshot_save_${schema}`,
  );
}
