import type { Lag, SettledCheckpoint } from '../../types.js';
import type { MemoryLog } from './memory-log.js';
import type { CompiledQuery } from '../../compiled-query.js';
import type { MemoryRecord } from './memory-record.js';

/** The checkpoint of nothing read yet. */
export const initialCheckpoint: SettledCheckpoint = { transactionId: 0n, position: 0n };

/**
 * Past every committed event: `(t + 1, 0)` for the highest committed transaction id `t` (as in the PostgreSQL
 * store, never above every stored transaction id), unless `after` is already there.
 */
function pastEverything(log: MemoryLog, after: SettledCheckpoint): SettledCheckpoint {
  const highest = log.highestTransactionId;
  if (highest === undefined) return after;
  const next = highest + 1n;
  return next > after.transactionId ? { transactionId: next, position: 0n } : after;
}

/**
 * Committed events after `after` in `(transactionId, position)` order, at most `limit`. In memory every
 * committed event is settled: events commit in position order and nothing can appear behind them. A full page
 * ends at its last event; otherwise the checkpoint moves past everything committed, matching or not.
 */
export function readSettledRecords(
  log: MemoryLog,
  query: CompiledQuery,
  after: SettledCheckpoint,
  limit: number | undefined,
): { records: MemoryRecord[]; checkpoint: SettledCheckpoint } {
  const records = log.matching(query, log.positionOf(after), limit);
  const last = records.at(-1);
  if (limit !== undefined && records.length === limit && last) {
    return { records, checkpoint: { transactionId: last.transactionId, position: last.position } };
  }
  return { records, checkpoint: pastEverything(log, after) };
}

/** Where a follower that starts now begins: past every committed event. */
export function settledCheckpointOf(log: MemoryLog): SettledCheckpoint {
  return pastEverything(log, initialCheckpoint);
}

/** Committed events matching `query` after `after` (the first `limit` of them), none unsettled, and the oldest's age. */
export function lagOf(log: MemoryLog, query: CompiledQuery, after: SettledCheckpoint, limit: number, now: number): Lag {
  const records = log.matching(query, log.positionOf(after), limit);
  const events = records.length;
  const firstPosition = records[0]?.position ?? null;
  const oldest = records.reduce((min, record) => Math.min(min, record.occurredAt), Number.POSITIVE_INFINITY);
  return { events, unsettledEvents: 0, oldestAgeMs: events === 0 ? null : Math.max(0, now - oldest), firstPosition };
}
