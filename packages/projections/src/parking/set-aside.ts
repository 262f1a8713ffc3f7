import type { EventShape, StoredEvent } from '@tally/eventstore';
import { coerceError, type ProjectionHandlerError } from '../errors.js';
import type { ParkTarget } from '../schema/tables.js';
import type { ProjectorDb } from '../sql/db.js';
import { loadOpenHolds } from '../sql/load-open-holds.js';
import { parkEvents } from '../sql/park-events.js';
import type { Projection } from '../types.js';
import { holdBack } from './hold-back.js';

/** The event a runner's batch split found, to park instead of handling. */
export interface PoisonToPark {
  readonly error: ProjectionHandlerError;
  readonly attempts: number;
}

/** The columns of a parked row that come from the event. */
const fromEvent = (event: StoredEvent<EventShape>) => ({
  position: event.position,
  transactionId: event.transactionId,
  eventId: event.id,
  type: event.type,
  tags: event.tags,
});

/**
 * A batch of a projection with `onError: 'park'`, inside its transaction: records what it sets aside (in the park
 * of `target`: the live tables, or a build beside them), and returns
 * the events to handle. `park` is the poison (the batch's one event) that splitting the batch found; otherwise the
 * events sharing a tag with an open parked or held event are held behind it (`holdParkedTags`, the default).
 */
export async function setAside<E extends EventShape, T extends StoredEvent<E>>(
  db: ProjectorDb,
  projection: Projection<E, unknown>,
  events: readonly T[],
  park: PoisonToPark | undefined,
  target: ParkTarget,
): Promise<readonly T[]> {
  const { name, version } = projection;
  if (park) {
    const error = coerceError(park.error.cause).message;
    await parkEvents(db, name, version, target, [{ ...fromEvent(events[0]!), state: 'parked', heldBy: null, error, attempts: park.attempts }]);
    return events.slice(1);
  }
  if (projection.holdParkedTags === false) return events;
  const tags = new Set<string>();
  for (const event of events) for (const tag of event.tags) tags.add(tag);
  // Events without tags are never held; open events sharing no tag with the batch cannot hold any of it.
  if (tags.size === 0) return events;
  const open = await loadOpenHolds(db, name, version, target, [...tags]);
  if (open.length === 0) return events;
  const { handle, held } = holdBack(events, open);
  await parkEvents(db, name, version, target, held.map(({ event, heldBy }) => ({ ...fromEvent(event), state: 'held', heldBy, error: null, attempts: 0 })));
  return handle;
}
