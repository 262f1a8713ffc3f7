import { randomBytes, randomUUID } from 'node:crypto';
import type { CodecOptions } from '../../codec/codec-options.js';
import { createCodec } from '../../codec/create-codec.js';
import type { EventCodec } from '../../codec/event-codec.js';
import { ConfigurationError, InvalidQueryError, StoreClosedError } from '../../errors.js';
import { HeadSigner } from '../../head.js';
import { resolveOptions } from '../../options.js';
import type { EventShape, Head } from '../../types.js';
import type { HistoryEvent } from './memory-history.js';
import { MemoryLog } from './memory-log.js';
import { WriteLock } from './write-lock.js';

/** How many recently signed heads a memory store remembers (see `MemoryRuntime.signHead`). */
const SIGNED_HEADS_KEPT = 1024;

/** Options of `createInMemoryEventStore` for the event union `E` (`upcasters` and `schemas` as in the PostgreSQL store). */
export interface InMemoryEventStoreOptions<E extends EventShape = EventShape> extends CodecOptions<E> {
  /**
   * The clock that stamps `occurredAt` (one reading per append, taken after the append got the write lock) and
   * that `lag` measures ages with. Inject one to get predictable times in tests.
   * @defaultValue `() => new Date()`
   */
  readonly now?: () => Date;
  /** What `store.schema` says; nothing is created. @defaultValue 'tally' */
  readonly schema?: string;
  /** What `store.channel` says; nothing is notified. @defaultValue `${schema}_events` */
  readonly channel?: string;
  /** Largest `data` + `metadata` of one event, in bytes of JSON, as in PostgreSQL. @defaultValue 1048576 */
  readonly maxEventBytes?: number;
  /**
   * How long an append (or `lockCondition`) waits for a transaction holding the write lock before it fails with
   * `DatabaseTimeoutError` (SQLSTATE 55P03, as `lock_timeout` in PostgreSQL), instead of hanging a test that
   * waits inside a transaction for an append outside it. 0 waits forever.
   * @defaultValue 2000
   */
  readonly lockTimeoutMs?: number;
  /**
   * Events stored before the store was created, as older code wrote them (each with its `schemaVersion`):
   * committed first, in one transaction, so a test can read old events through the current `upcasters`.
   * @defaultValue none
   */
  readonly history?: readonly HistoryEvent[];
}

/** What every session of one memory store shares: its events, write lock, head secret, clock and state. */
export class MemoryRuntime {
  readonly log = new MemoryLog();
  readonly lock = new WriteLock();
  readonly schema: string;
  readonly channel: string;
  readonly maxEventBytes: number;
  readonly lockTimeoutMs: number;
  /** The same codec as the PostgreSQL store's, from the same options. */
  readonly codec: EventCodec;
  readonly #clock: () => Date;
  readonly #signer = new HeadSigner(randomUUID(), randomBytes(32));
  /**
   * The heads this instance signed lately, with the last position each saw: most reads sign the head of the
   * same last position, and most heads that come back are recent ones, so the HMAC is computed once per position
   * instead of on every read and append. A head not in it (older, or not ours) is verified in full.
   */
  readonly #signed = new Map<string, bigint>();
  #lastSigned: { readonly seen: bigint; readonly head: Head } | undefined;
  #closed = false;

  constructor(options: InMemoryEventStoreOptions<EventShape>) {
    // The PostgreSQL store's own checks of schema, channel and sizes; the connection string is never used.
    const settings = resolveOptions({
      connectionString: 'memory:',
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.channel === undefined ? {} : { channel: options.channel }),
      ...(options.maxEventBytes === undefined ? {} : { maxEventBytes: options.maxEventBytes }),
    });
    const lockTimeoutMs = options.lockTimeoutMs ?? 2000;
    if (!Number.isSafeInteger(lockTimeoutMs) || lockTimeoutMs < 0) {
      throw new ConfigurationError('lockTimeoutMs must be a non-negative integer number of milliseconds');
    }
    if (options.now !== undefined && typeof options.now !== 'function') throw new ConfigurationError('now must be a function returning a Date');
    this.schema = settings.schema;
    this.channel = settings.channel;
    this.maxEventBytes = settings.maxEventBytes;
    this.lockTimeoutMs = lockTimeoutMs;
    this.#clock = options.now ?? (() => new Date());
    this.codec = createCodec(options);
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  /** @throws {StoreClosedError} */
  assertOpen(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** Runs `work` unless the store is closed: every operation's entry, like the PostgreSQL store's `guard`. */
  async guard<T>(work: () => T | Promise<T>): Promise<T> {
    this.assertOpen();
    return work();
  }

  /** The clock's reading, in milliseconds. @throws {ConfigurationError} when the clock returns no valid Date */
  now(): number {
    const date = this.#clock();
    const time = date instanceof Date ? date.getTime() : Number.NaN;
    if (Number.isNaN(time)) throw new ConfigurationError('the now() option returned something that is not a valid Date');
    return time;
  }

  /**
   * A head saying that its read saw every event up to `seen`. It has the PostgreSQL head's syntax (so `parseHead`
   * accepts it), with `1:<seen + 1>:` for a snapshot, and is signed with this store instance's own secret.
   */
  signHead(seen: bigint): Head {
    if (this.#lastSigned?.seen === seen) return this.#lastSigned.head;
    const head = this.#signer.sign(`1:${seen + 1n}://`);
    this.#lastSigned = { seen, head };
    if (this.#signed.size >= SIGNED_HEADS_KEPT) this.#signed.delete(this.#signed.keys().next().value!);
    this.#signed.set(head, seen);
    return head;
  }

  /**
   * The last position the read behind `head` saw.
   * @throws {InvalidQueryError} INVALID_HEAD when another store (a PostgreSQL one, or another memory store) made
   * it, or it was forged or altered
   */
  verifyHead(head: unknown, path = 'condition.after'): bigint {
    // Signed here: its signature is good, and positions only grow, so it cannot lie in the future.
    const known = typeof head === 'string' ? this.#signed.get(head) : undefined;
    if (known !== undefined) return known;
    const parts = this.#signer.verify(head);
    const seen = BigInt(parts.snapshot.split(':')[1]!) - 1n;
    if (parts.own !== null || seen > this.log.lastAllocatedPosition) {
      throw new InvalidQueryError('INVALID_HEAD', `${path} is not a head of this memory store (it lies in its future)`, path);
    }
    return seen;
  }
}
