import { StoreClosedError } from '../../errors.js';
import { matchesCompiled, type CompiledQuery } from '../../compiled-query.js';
import type { MemoryRecord } from './memory-record.js';
import type { MemoryRuntime } from './memory-runtime.js';
import type { MemoryTransaction } from './memory-transaction.js';

/**
 * Pages through the events visible when the iteration starts (its first `next()`, as the PostgreSQL store
 * opens its snapshot then): the committed ones, and a transaction's own. Events committed later never appear.
 * `batchSize` events are taken per page, each handed out as a fresh copy by `copy`, and each page through
 * `decode` (the store's codec) when there is one.
 */
export async function* streamRecords<Ev>(
  runtime: MemoryRuntime,
  trx: MemoryTransaction | undefined,
  query: CompiledQuery,
  batchSize: number,
  start: bigint,
  copy: (record: MemoryRecord) => Ev,
  decode?: (events: Ev[]) => Promise<readonly Ev[]>,
): AsyncGenerator<Ev> {
  runtime.assertOpen();
  trx?.assertUsable();
  const end = runtime.log.records.length; // the log only grows: its first `end` events are the snapshot
  const own = (trx?.buffer ?? []).filter((record) => record.position > start && matchesCompiled(record, query));
  let after = start;
  for (;;) {
    if (runtime.closed) throw new StoreClosedError();
    const page = runtime.log.matching(query, after, batchSize, false, end);
    if (decode === undefined) for (const record of page) yield copy(record);
    else yield* await decode(page.map(copy));
    if (page.length < batchSize) break;
    after = page.at(-1)!.position;
  }
  // Its own events come after every committed one; they are few and already in memory.
  if (decode === undefined) for (const record of own) yield copy(record);
  else if (own.length > 0) yield* await decode(own.map(copy));
}
