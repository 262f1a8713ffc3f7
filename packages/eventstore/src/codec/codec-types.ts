import type { QueryItemShape } from '../query-filter.js';
import type { StatementRunner } from '../sql/runner.js';
import type { PreparedEvent } from '../validation.js';
import type { MemoryRuntime } from '../testing/memory/memory-runtime.js';
import type { MemoryTransaction } from '../testing/memory/memory-transaction.js';

/**
 * An event on its way into the store: what `prepareEvents` checked (`id` is the caller's, if any, or one the
 * personal-data stage made to bind its envelopes to), with what the stages add. Stages return new objects; they
 * never change the ones they are given.
 */
export interface EncodingEvent extends PreparedEvent {
  /** Stamped by the version stage; absent, the column's default (1) applies. */
  readonly schemaVersion?: number | undefined;
  /**
   * Set by the personal-data stage: the hashes (hex) of the subjects whose keys encrypted this event. The append
   * statement refuses the batch (`SUBJECT_ERASED`, with the hash in hex) if any of them is erased when it runs.
   */
  readonly subjects?: readonly string[];
}

/** An event on its way out of the store, as stored (`data` in the stored shape until the version stage upcasts it). */
export interface DecodingEvent {
  readonly position: bigint;
  readonly transactionId: bigint;
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly tags: readonly string[];
  readonly metadata: Record<string, unknown>;
  readonly occurredAt: Date;
  /** The schema version the event was written with. */
  readonly schemaVersion: number;
}

/**
 * What a stage may use of the session it runs in. On PostgreSQL, `run` executes on the session's own connection:
 * inside `with(trx)` or `transaction()` that is the caller's transaction, so what a stage reads or writes commits
 * or rolls back with the append (e.g. fetching or creating a key). In memory, the store's runtime and the
 * session's transaction (undefined outside one).
 */
export type CodecIo =
  | { readonly kind: 'postgres'; readonly schema: string; readonly run: StatementRunner; readonly inTransaction: boolean }
  | { readonly kind: 'memory'; readonly runtime: MemoryRuntime; readonly trx: MemoryTransaction | undefined };

/** A result now or later: a stage that needs no I/O returns at once. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * One step of the store's event codec. `encode` runs on every append, over the whole batch, in stage order
 * (after the batch is checked, before locks are planned and rows are written); `decode` runs on every read path
 * (read, stream, readSettled) in reverse stage order. Both return a batch of the same length and order. A
 * stage that throws refuses the append (nothing is written) or fails the read.
 *
 * `encodeQuery` maps the queries that reach the database (reads, conditions, lock planning) from the shape a
 * caller writes to the stored shape, for a stage that changes what is matched (e.g. tags replaced by keyed
 * hashes); events' own tags go through `encode`.
 */
export interface CodecStage {
  readonly name: string;
  readonly encode?: (events: readonly EncodingEvent[], io: CodecIo) => MaybePromise<readonly EncodingEvent[]>;
  readonly decode?: (events: readonly DecodingEvent[], io: CodecIo) => MaybePromise<readonly DecodingEvent[]>;
  readonly encodeQuery?: (query: readonly QueryItemShape[]) => readonly QueryItemShape[];
}
