import type { SettledCheckpoint } from '@tally/eventstore';
import type { BuildState } from '../schema/tables.js';
import type { ProjectorDb } from './db.js';

/** A build row as the projector uses it. */
export interface BuildRow {
  readonly name: string;
  readonly version: number;
  readonly schema: string;
  readonly checkpoint: SettledCheckpoint;
  readonly status: BuildState;
  readonly lastError: string | null;
  readonly owner: string | null;
  readonly startedAt: Date;
  readonly caughtUpAt: Date | null;
}

/** Loads the builds in progress (all, or those of the named projections). */
export async function loadBuilds(db: ProjectorDb, names?: readonly string[]): Promise<BuildRow[]> {
  let query = db.selectFrom('projection_builds').selectAll();
  if (names) query = query.where('name', 'in', names.length > 0 ? [...names] : ['']);
  const rows = await query.execute();
  return rows.map((row) => ({
    name: row.name,
    version: row.target_version,
    schema: row.build_schema,
    checkpoint: { transactionId: BigInt(row.transaction_id), position: BigInt(row.position) },
    status: row.status,
    lastError: row.last_error,
    owner: row.owner,
    startedAt: row.started_at,
    caughtUpAt: row.caught_up_at,
  }));
}
