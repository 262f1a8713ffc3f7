import { setTimeout as sleep } from 'node:timers/promises';
import type { Projector } from '@tally/projections';
import { sql, type Kysely } from 'kysely';

/**
 * Resolves once every projection has applied every event committed before the call: each checkpoint has
 * passed the transaction ids of the current snapshot (`xmax`). Projections read only settled events, so a
 * transaction still open anywhere on the server delays this until it ends.
 * @throws {Error} after `timeoutMs`, or as soon as a projection has failed
 */
export async function waitForProjections<DB>(projector: Projector, db: Kysely<DB>, { timeoutMs = 15_000, intervalMs = 25 } = {}): Promise<void> {
  const { rows } = await sql<{ xmax: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`.execute(db);
  const target = BigInt(rows[0]?.xmax ?? '0');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await projector.status();
    const failed = statuses.find((s) => s.state === 'failed');
    if (failed) throw new Error(`projection ${failed.name} failed: ${failed.lastError ?? 'unknown error'}`);
    if (statuses.every((s) => s.state === 'running' && s.checkpoint.transactionId >= target)) return;
    if (Date.now() > deadline) {
      const behind = statuses.map((s) => `${s.name}: ${s.state} at transaction ${s.checkpoint.transactionId}`).join('; ');
      throw new Error(`projections did not reach transaction ${target} within ${timeoutMs} ms (${behind})`);
    }
    await sleep(intervalMs);
  }
}
