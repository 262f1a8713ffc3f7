import type { EventShape } from '@tally/eventstore';
import type { Transaction } from 'kysely';
import type { BatchTransaction } from './batch-transaction.js';
import type { RunnerContext } from './runner-context.js';
import type { ParkTarget } from './schema/tables.js';
import { loadErasureProgress, saveErasureProgress } from './sql/erasure-progress.js';
import type { Projection } from './types.js';

/**
 * Runs the projection's `onErase` for the store's erasures its target (live tables or build) has not scrubbed
 * yet, up to `batchSize` of them, inside the batch (under its handler timeout), and records how far it got
 * there. Returns how many it ran. Called before the batch reads its events: an erasure is recorded in the
 * statement that destroys the key, so every event read after it reads as erased; events handled by earlier
 * batches, before the erasure, are what `onErase` scrubs. Only projections with `onErase` pay for it (one query
 * for the progress, one for the erasures, per batch).
 */
export async function scrubErasures<E extends EventShape>(
  batch: BatchTransaction,
  projection: Projection<E, unknown>,
  ctx: RunnerContext<E>,
  target: ParkTarget,
): Promise<number> {
  const onErase = projection.onErase!;
  const scoped = batch.trx.withSchema(ctx.schema);
  const after = await loadErasureProgress(scoped, projection.name, target);
  const erasures = await ctx.store.erasures({ after, limit: ctx.batchSize });
  if (erasures.length === 0) return 0;
  await batch.runHandler(async () => {
    for (const erasure of erasures) await onErase(erasure.subject, batch.trx as unknown as Transaction<unknown>);
  });
  await saveErasureProgress(scoped, projection.name, target, erasures[erasures.length - 1]!.sequence);
  return erasures.length;
}
