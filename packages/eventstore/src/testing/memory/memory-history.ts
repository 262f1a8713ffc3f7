import { v7 as uuidv7 } from 'uuid';
import { ConfigurationError } from '../../errors.js';
import { prepareEvents } from '../../validation.js';
import type { EventMetadata } from '../../types.js';
import { jsonbValue } from './jsonb-value.js';
import type { MemoryRecord } from './memory-record.js';
import type { MemoryRuntime } from './memory-runtime.js';

/**
 * An event that was stored before the memory store was created, as older code wrote it: any type, data in the
 * shape of its `schemaVersion`, which the store's upcasters bring to the current shape on read.
 */
export interface HistoryEvent {
  readonly type: string;
  readonly data: unknown;
  readonly tags?: readonly string[];
  readonly metadata?: EventMetadata;
  /** The schema version it was written with. @defaultValue 1 */
  readonly schemaVersion?: number;
}

/**
 * Commits `history` as one transaction, before anything else: checked as appends are, but not through the codec
 * (old code wrote it, with the versions it knew).
 * @throws {InvalidEventError} for an event that no append would accept
 * @throws {ConfigurationError} for a `schemaVersion` that is not a positive integer
 */
export function commitHistory(runtime: MemoryRuntime, history: readonly HistoryEvent[]): void {
  if (history.length === 0) return;
  const prepared = prepareEvents(history as readonly { type: string; data: unknown }[], undefined, runtime.maxEventBytes);
  const positions = runtime.log.allocatePositions(prepared.length);
  const transactionId = runtime.log.allocateTransactionId();
  const occurredAt = runtime.now();
  const records = prepared.map((event, i): MemoryRecord => {
    const schemaVersion = history[i]!.schemaVersion ?? 1;
    if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
      throw new ConfigurationError(`history[${i}].schemaVersion must be a positive integer`);
    }
    const data = jsonbValue(event.data);
    return {
      id: uuidv7(),
      type: event.type,
      data,
      dataText: JSON.stringify(data),
      tags: event.tags,
      metadata: jsonbValue(event.metadata),
      schemaVersion,
      position: positions[i]!,
      transactionId,
      occurredAt,
    };
  });
  runtime.log.commit(records);
}
