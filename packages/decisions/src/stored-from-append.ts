import type { AppendResult, EventMetadata, EventShape, NewEvent, StoredEvent } from '@tally/eventstore';
import { copyJson } from './json-copy.js';

/**
 * The events a conditional append just wrote, as a read would return them: positions, the shared
 * `occurredAt` and `transactionId` from the result, tags without repeats, metadata merged (the event's keys
 * win), and data as JSON stores it (keys with `undefined` dropped). So the next command of the same key can
 * fold them without reading them back.
 */
export function storedFromAppend<E extends EventShape>(
  events: readonly NewEvent<E>[],
  result: AppendResult,
  callMetadata: EventMetadata | undefined,
): StoredEvent<E>[] {
  const occurredAt = result.occurredAt ?? new Date();
  const transactionId = result.transactionId ?? 0n;
  return events.map((event, i) => {
    const stored = {
      type: event.type,
      data: copyJson(event.data as unknown),
      position: result.positions[i]!,
      id: result.ids[i]!.toLowerCase(),
      schemaVersion: result.schemaVersions[i] ?? 1,
      tags: [...new Set(event.tags ?? [])],
      metadata: copyJson({ ...callMetadata, ...event.metadata }),
      occurredAt,
      transactionId,
    };
    return stored as unknown as StoredEvent<E>;
  });
}
