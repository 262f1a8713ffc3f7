import type { CodecIo } from '../../codec/codec-types.js';
import type { EventStoreSession } from '../../event-store.js';
import type { QueryItemShape } from '../../query-filter.js';
import type { EventShape, Query, QueryResult, ReadOptions, SettledCheckpoint, StreamOptions } from '../../types.js';
import { validatePosition, validatePositiveInteger, validateQuery } from '../../validation.js';
import { appendInMemory } from './memory-append.js';
import { compileQuery, matchesCompiled, type CompiledQuery } from '../../compiled-query.js';
import { toStoredEvent, type MemoryRecord } from './memory-record.js';
import type { MemoryRuntime } from './memory-runtime.js';
import { initialCheckpoint, lagOf, readSettledRecords, settledCheckpointOf } from './memory-settled.js';
import { streamRecords } from './memory-stream.js';
import type { MemoryTransaction } from './memory-transaction.js';

/**
 * Matching events above `from` among those `trx` sees (the committed ones, then its own), in position order or
 * newest first, at most `limit`.
 */
function readRecords(
  runtime: MemoryRuntime,
  trx: MemoryTransaction | undefined,
  query: CompiledQuery,
  from: bigint,
  limit: number | undefined,
  backwards: boolean,
): MemoryRecord[] {
  const max = limit ?? Number.POSITIVE_INFINITY;
  const own = (trx?.buffer ?? []).filter((record) => record.position > from && matchesCompiled(record, query));
  if (backwards) {
    const newest = own.reverse().slice(0, max);
    return newest.concat(runtime.log.matching(query, from, max - newest.length, true));
  }
  const committed = runtime.log.matching(query, from, max);
  return committed.concat(own.slice(0, max - committed.length));
}

/**
 * The memory store's operations, on its committed events (`trx` undefined: each append commits at once) or
 * inside one of its transactions. Each checks its arguments with the PostgreSQL store's functions first, then
 * whether the store is open and the transaction usable, in the same order as the PostgreSQL store.
 */
export function createMemorySession<E extends EventShape>(runtime: MemoryRuntime, trx: MemoryTransaction | undefined): EventStoreSession<E> {
  const copy = (record: MemoryRecord) => toStoredEvent<E>(record);
  const { decode, encodeQuery } = runtime.codec;
  const io: CodecIo = { kind: 'memory', runtime, trx };
  /** The query compiled as stored events are matched (see `CodecStage.encodeQuery`). */
  const compiled = (query: readonly QueryItemShape[] | undefined) =>
    compileQuery(query === undefined || encodeQuery === undefined ? query : encodeQuery(query));
  return {
    append: (events, options = {}) => runtime.guard(() => appendInMemory(runtime, trx, events, options)),

    read: <const Q extends Query<E> = Query<E>>(query?: Q, options: ReadOptions = {}) =>
      runtime.guard(() => {
        if (query !== undefined) validateQuery(query);
        validatePosition(options.after, 'options.after');
        validatePositiveInteger(options.limit, 'options.limit');
        const unseenBy = options.alsoUnseenBy === undefined ? undefined : runtime.verifyHead(options.alsoUnseenBy, 'options.alsoUnseenBy');
        trx?.assertUsable();
        const after = options.after ?? 0n;
        // Events above `after`, and with `alsoUnseenBy` those at or below it that the head's read did not see:
        // events commit in position order, so those are the ones above the head's last position.
        const from = options.after !== undefined && unseenBy !== undefined && unseenBy < after ? unseenBy : after;
        const seen = trx ? trx.seenPosition : runtime.log.lastCommittedPosition;
        const records = readRecords(runtime, trx, compiled(query), from, options.limit, options.backwards === true);
        const head = runtime.signHead(seen);
        const events = records.map(copy) as QueryResult<E, Q>[];
        if (decode === undefined) return { events, head };
        const decoded = decode(events, io);
        return decoded instanceof Promise ? decoded.then((list) => ({ events: [...list], head })) : { events: decoded as QueryResult<E, Q>[], head };
      }),

    stream: <const Q extends Query<E> = Query<E>>(query?: Q, options: StreamOptions = {}) => {
      if (query !== undefined) validateQuery(query);
      validatePosition(options.after, 'options.after');
      validatePositiveInteger(options.batchSize, 'options.batchSize');
      const pages = decode === undefined ? undefined : (events: QueryResult<E, Q>[]) => Promise.resolve(decode(events, io));
      return streamRecords(runtime, trx, compiled(query), options.batchSize ?? 1000, options.after ?? 0n, (r) => copy(r) as QueryResult<E, Q>, pages);
    },

    readSettled: <const Q extends Query<E> = Query<E>>(
      query: Q | undefined,
      options: { readonly after: SettledCheckpoint; readonly limit: number },
    ) =>
      runtime.guard(() => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        trx?.assertUsable();
        const { records, checkpoint } = readSettledRecords(runtime.log, compiled(query), options.after ?? initialCheckpoint, options.limit);
        const events = records.map(copy) as QueryResult<E, Q>[];
        if (decode === undefined) return { events, checkpoint };
        const decoded = decode(events, io);
        return decoded instanceof Promise
          ? decoded.then((list) => ({ events: [...list], checkpoint }))
          : { events: decoded as QueryResult<E, Q>[], checkpoint };
      }),

    settledCheckpoint: () =>
      runtime.guard(() => {
        trx?.assertUsable();
        return settledCheckpointOf(runtime.log);
      }),

    lag: (query, options) =>
      runtime.guard(() => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        trx?.assertUsable();
        return lagOf(runtime.log, compiled(query), options.after ?? initialCheckpoint, options.limit ?? 10_000, runtime.now());
      }),

    declareNoAppend: () =>
      runtime.guard(() => {
        trx?.assertUsable();
        // Outside a transaction it lasts as long as PostgreSQL's autocommit transaction: not at all.
        if (trx) trx.noAppend = true;
      }),

    lockCondition: (query) =>
      runtime.guard(async () => {
        validateQuery(query, 'query');
        if (trx) {
          trx.assertUsable();
          await trx.lock();
        } else if (!runtime.lock.tryAcquire()) {
          // Outside a transaction the lock is released at once: this only waits for a transaction holding it.
          await runtime.lock.acquire(runtime.lockTimeoutMs);
          runtime.lock.release();
        } else {
          runtime.lock.release();
        }
      }),
  };
}
