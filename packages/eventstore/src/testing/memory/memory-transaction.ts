import { ConfigurationError, DatabaseError } from '../../errors.js';
import type { MemoryRecord } from './memory-record.js';
import type { MemoryRuntime } from './memory-runtime.js';

/**
 * One `store.transaction(work)` of the memory store. Its appends are buffered and applied at once when it
 * commits, or dropped when it rolls back; reads in it see the committed events and its own. From its first
 * append (or `lockCondition`) it holds the store's write lock, so nothing commits in between and the positions
 * it takes are final (those of a rolled-back transaction are skipped, like a PostgreSQL sequence's).
 *
 * A statement that fails inside a PostgreSQL transaction aborts it: here the errors that come from the
 * database there (a refused append of a `declareNoAppend` transaction, a lock timeout) abort it too, and every
 * later operation fails with SQLSTATE 25P02 until it ends; it then commits nothing.
 */
export class MemoryTransaction {
  #state: 'open' | 'aborted' | 'ended' = 'open';
  #holdsLock = false;
  #transactionId: bigint | undefined;
  readonly #buffer: MemoryRecord[] = [];
  readonly #ids = new Map<string, MemoryRecord>();
  /** Set by `declareNoAppend`: appends are refused. */
  noAppend = false;

  constructor(private readonly runtime: MemoryRuntime) {}

  /** Its own appended events, in position order. */
  get buffer(): readonly MemoryRecord[] {
    return this.#buffer;
  }

  get holdsLock(): boolean {
    return this.#holdsLock;
  }

  get transactionId(): bigint | undefined {
    return this.#transactionId;
  }

  /** The last position a read in it sees: its own last event, or the last committed one. */
  get seenPosition(): bigint {
    return this.#buffer.at(-1)?.position ?? this.runtime.log.lastCommittedPosition;
  }

  /**
   * @throws {DatabaseError} 25P02 when a failed statement aborted it
   * @throws {ConfigurationError} when it has ended
   */
  assertUsable(): void {
    if (this.#state === 'aborted') {
      throw new DatabaseError(
        '25P02',
        'The database reported an error (SQLSTATE 25P02): current transaction is aborted, commands ignored until end of transaction block',
      );
    }
    if (this.#state === 'ended') {
      throw new ConfigurationError('this transaction has ended (committed or rolled back): its session cannot be used any more');
    }
  }

  /** Waits for the write lock, which it then keeps until it ends. Aborts it when the wait times out. */
  async lock(): Promise<void> {
    if (this.#holdsLock) return;
    try {
      await this.runtime.lock.acquire(this.runtime.lockTimeoutMs);
    } catch (error) {
      this.abort();
      throw error;
    }
    if (this.#state !== 'open') {
      this.runtime.lock.release(); // it ended (or aborted) while waiting
      this.assertUsable();
    }
    this.#holdsLock = true;
  }

  /** Its one transaction id, taken at its first append (under the lock, so ids follow the commit order). */
  takeTransactionId(): bigint {
    this.#transactionId ??= this.runtime.log.allocateTransactionId();
    return this.#transactionId;
  }

  findOwn(id: string): MemoryRecord | undefined {
    return this.#ids.get(id);
  }

  add(records: readonly MemoryRecord[]): void {
    for (const record of records) {
      this.#buffer.push(record);
      this.#ids.set(record.id, record);
    }
  }

  abort(): void {
    if (this.#state === 'open') this.#state = 'aborted';
  }

  /** Applies its events at once (an aborted one is rolled back instead, as PostgreSQL does on COMMIT). */
  commit(): void {
    if (this.#state === 'open') this.runtime.log.commit(this.#buffer);
    this.#end();
  }

  rollback(): void {
    this.#end();
  }

  #end(): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    if (this.#holdsLock) {
      this.#holdsLock = false;
      this.runtime.lock.release();
    }
  }
}
