import type { SettledCheckpoint } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import type { ProjectorTables } from '../schema/tables.js';

/** A checkpoint row as the projector uses it. */
export interface CheckpointRow {
  readonly name: string;
  readonly version: number;
  readonly checkpoint: SettledCheckpoint;
  readonly status: string;
  readonly lastError: string | null;
  readonly failedPosition: bigint | null;
  readonly owner: string | null;
}

type Db = Kysely<ProjectorTables>;

/** Inserts the row of a new projection at the start (version as defined); leaves an existing one alone. */
export async function ensureCheckpoint(db: Db, name: string, version: number): Promise<void> {
  await db
    .insertInto('projection_checkpoints')
    .values({ name, version, transaction_id: '0', position: '0', status: 'idle', last_error: null, failed_position: null, owner: null })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

/** Loads checkpoint rows (all, or the named ones). */
export async function loadCheckpoints(db: Db, names?: readonly string[]): Promise<CheckpointRow[]> {
  let query = db.selectFrom('projection_checkpoints').selectAll();
  if (names) query = query.where('name', 'in', names.length > 0 ? [...names] : ['']);
  const rows = await query.execute();
  return rows.map((row) => ({
    name: row.name,
    version: row.version,
    checkpoint: { transactionId: BigInt(row.transaction_id), position: BigInt(row.position) },
    status: row.status,
    lastError: row.last_error,
    failedPosition: row.failed_position === null ? null : BigInt(row.failed_position),
    owner: row.owner,
  }));
}

/**
 * Locks the checkpoint row if it is still at `from` (first statement of a batch transaction): the batch then
 * owns the row until commit, and a rebuild or another worker waits (or finds it moved). False if it moved.
 */
export async function lockCheckpointAt(db: Db, name: string, from: SettledCheckpoint): Promise<boolean> {
  const row = await db
    .selectFrom('projection_checkpoints')
    .select('name')
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .where('status', '<>', 'failed')
    .forUpdate()
    .executeTakeFirst();
  return row !== undefined;
}

/** Check-and-set: moves the checkpoint from `from` to `to`. Returns false (0 rows) if it was not at `from`. */
export async function advanceCheckpoint(
  db: Db,
  name: string,
  from: SettledCheckpoint,
  to: SettledCheckpoint,
  status: string,
  owner: string,
): Promise<boolean> {
  const result = await db
    .updateTable('projection_checkpoints')
    .set({ transaction_id: to.transactionId.toString(), position: to.position.toString(), status, owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Resets the checkpoint to the start with `version` (inside the rebuild transaction). */
export async function resetCheckpoint(db: Db, name: string, version: number, status: string, owner: string | null): Promise<void> {
  await db
    .updateTable('projection_checkpoints')
    .set({ version, transaction_id: '0', position: '0', status, last_error: null, failed_position: null, owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .execute();
}

/** Marks the projection failed, if its checkpoint is still at `from`. */
export async function markFailed(db: Db, name: string, from: SettledCheckpoint, error: string, position: bigint, owner: string): Promise<boolean> {
  const result = await db
    .updateTable('projection_checkpoints')
    .set({ status: 'failed', last_error: error, failed_position: position.toString(), owner, updated_at: sql<Date>`now()` })
    .where('name', '=', name)
    .where('transaction_id', '=', from.transactionId.toString())
    .where('position', '=', from.position.toString())
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Records which worker runs the projection now (status only: ownership itself is the advisory lock). */
export async function setOwner(db: Db, name: string, owner: string, status: string): Promise<void> {
  await db.updateTable('projection_checkpoints').set({ owner, status, updated_at: sql<Date>`now()` }).where('name', '=', name).execute();
}
