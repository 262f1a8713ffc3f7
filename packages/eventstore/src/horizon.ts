import { sql } from 'kysely';
import { settledCheckpointAt } from './sql/read-settled.js';
import { settle } from './sql/settle.js';
import type { StoreRuntime } from './store-runtime.js';
import type { Horizon } from './types.js';

/** `unsettledEvents` is counted up to this many. */
export const UNSETTLED_COUNT_LIMIT = 10_000;

/** How far followers can read now, and who holds them back: the store's `horizon()`. */
export function horizonOf(runtime: StoreRuntime): Promise<Horizon> {
  return runtime.guard(async () => {
    const { schema, horizonGraceMs } = runtime.settings;
    const { horizon, blockers } = await settle(runtime.rootRun, schema, runtime.keys, horizonGraceMs);
    const db = runtime.rootDb.withSchema(schema);
    const settled = await settledCheckpointAt(db, schema, horizon);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM ${sql.id(schema, 'events')}
        WHERE transaction_id >= ${horizon.toString()}::xid8 LIMIT ${UNSETTLED_COUNT_LIMIT}) AS u`.execute(db);
    return { settled, blockers, unsettledEvents: rows[0]!.n };
  });
}
