import type { AppendOptions, AppendResult, EventShape, EventStore, NewEvent, StoredEvent } from '@tally/eventstore';
import type { Transaction } from 'kysely';
import { ConfigurationError } from './errors.js';
import { matchesQuery } from './match-query.js';
import type { Projection } from './types.js';

/**
 * Runs a projection's `handle` on the events of its query among `events`, inside `trx` (the transaction that
 * appended them): the read model commits or rolls back with the events (read-your-writes).
 *
 * An inline projection has no checkpoint of its own: define it with `inline: true`, so the projector worker never
 * runs it as well (that would apply each event twice, once here and once from the worker's checkpoint). The
 * projector neither claims nor rebuilds it; to rebuild one, reset its tables and replay the store through
 * {@link applyInline} in one transaction of your own.
 * @throws {ConfigurationError} if the projection is not defined with `inline: true`
 */
export async function applyInline<E extends EventShape, DB>(
  projection: Projection<E, DB>,
  events: readonly StoredEvent<E>[],
  trx: Transaction<DB>,
): Promise<void> {
  if (projection.inline !== true) {
    throw new ConfigurationError(`projection "${projection.name}" must be defined with inline: true to be applied inline`);
  }
  const matching = events.filter((event) => matchesQuery(event, projection.query));
  // `matching` holds only events of the projection's query, the events its `handle` is typed for.
  if (matching.length > 0) await projection.handle(matching as unknown as Parameters<Projection<E, DB>['handle']>[0], trx);
}

/**
 * Appends `events` inside `trx` through `store.with(trx)`, then applies each inline projection to them in the
 * same transaction. Returns the append result and the stored events.
 * @example
 * await db.transaction().execute(async (trx) => {
 *   await appendInline(store, trx, [{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 } }], [accountView]);
 * });
 */
export async function appendInline<E extends EventShape, DB>(
  store: EventStore<E>,
  trx: Transaction<DB>,
  events: readonly NewEvent<E>[],
  projections: readonly Projection<E, DB>[],
  options?: AppendOptions<E>,
): Promise<{ result: AppendResult; events: StoredEvent<E>[] }> {
  const session = store.with(trx as unknown as Transaction<object>);
  const result = await session.append(events, options);
  const wanted = new Set(result.positions);
  const first = result.positions[0]!;
  const { events: read } = await session.read(undefined, { after: first - 1n });
  const stored = (read as StoredEvent<E>[]).filter((event) => wanted.has(event.position));
  for (const projection of projections) await applyInline(projection, stored, trx);
  return { result, events: stored };
}
