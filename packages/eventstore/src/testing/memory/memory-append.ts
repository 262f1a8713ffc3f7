import { v7 as uuidv7 } from 'uuid';
import type { EncodingEvent } from '../../codec/codec-types.js';
import { AppendConditionError, EventIdConflictError, TransactionTooOldError } from '../../errors.js';
import type { AppendOptions, AppendResult, EventShape, NewEvent, Query } from '../../types.js';
import { prepareEvents, validateCondition } from '../../validation.js';
import { jsonbValue } from './jsonb-value.js';
import { compileQuery, matchesCompiled, type CompiledQuery } from '../../compiled-query.js';
import type { MemoryRecord } from './memory-record.js';
import type { MemoryRuntime } from './memory-runtime.js';
import type { MemoryTransaction } from './memory-transaction.js';

/** An event checked and in its stored form, before it has a position. */
interface Row {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly dataText: string;
  readonly tags: readonly string[];
  readonly metadata: unknown;
  readonly schemaVersion: number;
}

type Outcome =
  | { readonly kind: 'duplicate'; readonly positions: readonly bigint[] }
  | { readonly kind: 'condition-failed' }
  | { readonly kind: 'appended'; readonly records: readonly MemoryRecord[] };

/** `text[]` equality: the same tags in the same order. */
function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, i) => tag === b[i]);
}

/**
 * The idempotency check of `append_events`: every id already stored with the same type, payload and tags is a
 * duplicate (its positions are returned); an id stored with other content, or a batch mixing stored and new ids,
 * is a conflict. Metadata is not compared. `undefined` when no id is stored.
 */
function duplicateOf(rows: readonly Row[], find: (id: string) => MemoryRecord | undefined): readonly bigint[] | undefined {
  const stored = rows.map((row) => find(row.id));
  if (stored.every((record) => record === undefined)) return undefined;
  const differing = rows.find((row, i) => {
    const record = stored[i];
    return record !== undefined && (record.type !== row.type || record.dataText !== row.dataText || !sameTags(record.tags, row.tags));
  });
  if (differing) throw new EventIdConflictError(differing.id);
  if (stored.includes(undefined)) throw new EventIdConflictError(rows[stored.findIndex((record) => record !== undefined)]!.id);
  return stored.map((record) => record!.position);
}

/** Whether an event matching the condition exists that the read behind `seen` did not see (all events without a head). */
function conditionFails(runtime: MemoryRuntime, trx: MemoryTransaction | undefined, query: CompiledQuery, seen: bigint | undefined): boolean {
  const after = seen ?? 0n;
  if (runtime.log.matching(query, after, 1).length > 0) return true;
  return trx !== undefined && trx.buffer.some((record) => record.position > after && matchesCompiled(record, query));
}

/** The checks and the write, in `append_events`' order, with the write lock held: nothing can interleave. */
function write(
  runtime: MemoryRuntime,
  trx: MemoryTransaction | undefined,
  rows: readonly Row[],
  checkIds: boolean,
  query: CompiledQuery | null,
  seen: bigint | undefined,
): Outcome {
  if (trx?.noAppend) {
    trx.abort();
    const transactionId = trx.transactionId;
    throw new TransactionTooOldError(transactionId === undefined ? {} : { transactionId });
  }
  if (checkIds) {
    const positions = duplicateOf(rows, (id) => trx?.findOwn(id) ?? runtime.log.findById(id));
    if (positions) return { kind: 'duplicate', positions };
  }
  if (query !== null && conditionFails(runtime, trx, query, seen)) return { kind: 'condition-failed' };
  const occurredAt = runtime.now();
  const positions = runtime.log.allocatePositions(rows.length);
  const transactionId = trx ? trx.takeTransactionId() : runtime.log.allocateTransactionId();
  const records = rows.map((row, i): MemoryRecord => ({ ...row, position: positions[i]!, transactionId, occurredAt }));
  if (trx) trx.add(records);
  else runtime.log.commit(records);
  return { kind: 'appended', records };
}

/**
 * One append of the memory store: the PostgreSQL store's validation (the same functions, so the same errors),
 * then the write under the write lock. In a transaction the events are buffered until it commits.
 */
export async function appendInMemory<E extends EventShape, Q extends Query<E>>(
  runtime: MemoryRuntime,
  trx: MemoryTransaction | undefined,
  events: readonly NewEvent<E>[],
  options: AppendOptions<E, Q>,
): Promise<AppendResult> {
  const checked = prepareEvents(events, options.metadata, runtime.maxEventBytes);
  const condition = options.condition;
  if (condition !== undefined) validateCondition(condition);
  const seen = condition?.after !== undefined ? runtime.verifyHead(condition.after) : undefined;
  const { encode, encodeQuery } = runtime.codec;
  const prepared: readonly EncodingEvent[] = encode === undefined ? checked : await encode(checked, { kind: 'memory', runtime, trx });
  const query = condition === undefined ? null : compileQuery(encodeQuery === undefined ? condition.query : encodeQuery(condition.query));
  const rows = prepared.map((event): Row => {
    // Copies in jsonb's form: nothing the caller holds (or changes later) is shared with the stored events.
    // `prepareEvents` made `tags` a new array of its own.
    const data = jsonbValue(event.data);
    return {
      id: event.id ?? uuidv7(),
      type: event.type,
      data,
      dataText: JSON.stringify(data),
      tags: event.tags,
      metadata: jsonbValue(event.metadata),
      schemaVersion: event.schemaVersion ?? 1,
    };
  });
  // The caller's ids: a stage may give events ids of its own (the personal-data stage binds envelopes to them).
  const checkIds = checked.some((event) => event.id !== undefined);
  let outcome: Outcome;
  if (trx) {
    trx.assertUsable();
    await trx.lock();
    outcome = write(runtime, trx, rows, checkIds, query, seen);
  } else {
    if (!runtime.lock.tryAcquire()) await runtime.lock.acquire(runtime.lockTimeoutMs);
    try {
      outcome = write(runtime, undefined, rows, checkIds, query, seen);
    } finally {
      runtime.lock.release();
    }
  }
  if (outcome.kind === 'duplicate') {
    return { positions: [...outcome.positions], ids: rows.map((row) => row.id), schemaVersions: rows.map((row) => row.schemaVersion), lastPosition: outcome.positions.at(-1)!, duplicate: true };
  }
  if (outcome.kind === 'condition-failed') throw new AppendConditionError({ query: condition?.query ?? [], after: condition?.after });
  const positions = outcome.records.map((record) => record.position);
  const lastPosition = positions.at(-1)!;
  const { occurredAt, transactionId } = outcome.records[0]!;
  return {
    positions,
    ids: rows.map((row) => row.id),
    schemaVersions: rows.map((row) => row.schemaVersion),
    lastPosition,
    duplicate: false,
    ...(condition === undefined ? {} : { head: runtime.signHead(lastPosition) }),
    // As the PostgreSQL store: only its general path (a condition, or ids) reports them.
    ...(condition === undefined && !checkIds ? {} : { occurredAt: new Date(occurredAt), transactionId }),
  };
}
