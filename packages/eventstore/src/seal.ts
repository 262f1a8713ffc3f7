import type { Kysely } from 'kysely';
import { lockHash } from './lock-keys.js';
import { noAppendSetting } from './schema/tables.js';
import { kyselyRunner } from './sql/runner.js';
import { lastSeal, sealBatch, type SealRow } from './sql/seal-events.js';
import { settle } from './sql/settle.js';
import type { StoreRuntime } from './store-runtime.js';
import type { SealResult } from './verify-types.js';

/** Events per seal (one row of `event_seals`: 32 bytes of digest and 8 of position per event). */
export const SEAL_BATCH = 10_000;

/**
 * The store's `seal()`: seals every settled event not sealed yet, in batches of {@link SEAL_BATCH}, each in a
 * transaction of its own that holds the store's seal lock (so concurrent calls, from any process, queue and
 * seal each event once) and declares that it never appends (followers do not wait for it).
 * The horizon is taken once, before the first batch: events that settle meanwhile wait for the next call.
 */
export function sealStore(runtime: StoreRuntime): Promise<SealResult> {
  return runtime.guard(async () => {
    const { schema, horizonGraceMs } = runtime.settings;
    const { horizon } = await settle(runtime.rootRun, schema, runtime.keys, horizonGraceMs);
    const sealKey = lockHash(schema, 'seal').toString();
    let sealed = 0;
    let last: Omit<SealRow, 'events'> | undefined;
    for (;;) {
      const row = await runtime.rootDb.transaction().execute(async (trx) => {
        const run = kyselyRunner(trx as unknown as Kysely<unknown>);
        await run(`SELECT set_config($1, 'on', true), pg_advisory_xact_lock_shared($2::bigint), pg_advisory_xact_lock($3::bigint)`, [
          noAppendSetting(schema),
          runtime.keys.noAppend,
          sealKey,
        ]);
        return sealBatch(run, schema, horizon, SEAL_BATCH, await lastSeal(run, schema));
      });
      if (!row) break;
      sealed += row.events;
      last = row;
      if (row.events < SEAL_BATCH) break;
    }
    last ??= await lastSeal(runtime.rootRun, schema);
    if (!last) return { sealed };
    return {
      sealed,
      head: `${last.seal}:${last.chain}`,
      sealedThrough: { transactionId: BigInt(last.last_transaction_id), position: BigInt(last.last_position) },
    };
  });
}
