import type { SettledCheckpoint } from '../../types.js';
import { matchesCompiled, type CompiledQuery } from '../../compiled-query.js';
import type { MemoryRecord } from './memory-record.js';

/**
 * The first transaction id. Transaction ids are not positions (as in PostgreSQL, where they are `xid8`s): they
 * start elsewhere, so code that mixes the two up fails in memory too.
 */
export const FIRST_TRANSACTION_ID = 1000n;

/** Index of the first record for which `isAfter` holds; records are sorted, so `isAfter` flips once. */
function firstAfter(records: readonly MemoryRecord[], isAfter: (record: MemoryRecord) => boolean): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (isAfter(records[middle]!)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** Records of several position-ordered lists, once each, in position order. */
function union(lists: readonly (readonly MemoryRecord[])[]): readonly MemoryRecord[] {
  if (lists.length === 1) return lists[0]!;
  const byPosition = new Map<bigint, MemoryRecord>();
  for (const list of lists) for (const record of list) byPosition.set(record.position, record);
  return [...byPosition.values()].sort((a, b) => (a.position < b.position ? -1 : 1));
}

/**
 * The committed events of one memory store, and its counters. Events commit in position order, and a
 * transaction's id is taken under the write lock at its first append, so position order is also
 * `(transactionId, position)` order. The array only grows: an index into it is a snapshot.
 */
export class MemoryLog {
  readonly #records: MemoryRecord[] = [];
  readonly #byId = new Map<string, MemoryRecord>();
  /** Each tag's events, in position order: what the PostgreSQL store's tags index is to it. */
  readonly #byTag = new Map<string, MemoryRecord[]>();
  #lastAllocated = 0n;
  #nextTransactionId = FIRST_TRANSACTION_ID;

  /** Committed events, in position order. */
  get records(): readonly MemoryRecord[] {
    return this.#records;
  }

  /** The position of the last committed event; 0 when there is none. */
  get lastCommittedPosition(): bigint {
    return this.#records.at(-1)?.position ?? 0n;
  }

  /** The last position handed out, committed or not (a rolled-back transaction's positions are never reused). */
  get lastAllocatedPosition(): bigint {
    return this.#lastAllocated;
  }

  /** The highest transaction id of a committed event. */
  get highestTransactionId(): bigint | undefined {
    return this.#records.at(-1)?.transactionId;
  }

  findById(id: string): MemoryRecord | undefined {
    return this.#byId.get(id);
  }

  allocatePositions(count: number): bigint[] {
    const positions: bigint[] = [];
    for (let i = 0; i < count; i++) positions.push(++this.#lastAllocated);
    return positions;
  }

  allocateTransactionId(): bigint {
    return this.#nextTransactionId++;
  }

  /** Makes records visible to everyone, at once. They come from the holder of the write lock, in order. */
  commit(records: readonly MemoryRecord[]): void {
    for (const record of records) {
      this.#records.push(record);
      this.#byId.set(record.id, record);
      for (const tag of record.tags) {
        const list = this.#byTag.get(tag);
        if (list) list.push(record);
        else this.#byTag.set(tag, [record]);
      }
    }
  }

  /**
   * Committed events matching `query` with a position above `after`, among the first `end` of the log (a
   * snapshot), in position order or newest first, at most `limit`. A query whose every item has tags is served
   * by the tag index (the events of each item's first tag), any other by a scan.
   */
  matching(query: CompiledQuery, after: bigint, limit = Number.POSITIVE_INFINITY, backwards = false, end = this.#records.length): MemoryRecord[] {
    const found: MemoryRecord[] = [];
    if (limit <= 0 || end === 0) return found;
    const last = this.#records[end - 1]!.position;
    const tagged = query?.every((item) => item.tags !== undefined) === true;
    const source = tagged ? union(query!.map((item) => this.#byTag.get(item.tags![0]!) ?? [])) : this.#records;
    const first = after <= 0n ? 0 : firstAfter(source, (r) => r.position > after);
    const stop = tagged ? firstAfter(source, (r) => r.position > last) : end;
    for (let n = 0; n < stop - first && found.length < limit; n++) {
      const record = source[backwards ? stop - 1 - n : first + n]!;
      if (matchesCompiled(record, query)) found.push(record);
    }
    return found;
  }

  /**
   * The position below which every committed event is at or before the checkpoint in `(transactionId, position)`
   * order: the events after a checkpoint are those above it.
   */
  positionOf(after: SettledCheckpoint): bigint {
    const index = firstAfter(
      this.#records,
      (r) => r.transactionId > after.transactionId || (r.transactionId === after.transactionId && r.position > after.position),
    );
    return index === 0 ? 0n : this.#records[index - 1]!.position;
  }
}
