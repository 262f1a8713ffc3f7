import { deepStrictEqual } from 'node:assert/strict';
import type { EventShape, EventStore, NewEvent, StoredEvent } from '@tally/eventstore';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { matchesQuery } from '../match-query.js';
import type { Projection } from '../types.js';

/** Options of {@link projectionSpec}. */
export interface ProjectionSpecOptions<E extends EventShape> {
  /** A store on a migrated database (its schema holds the events the spec appends, then rolls back). */
  readonly store: EventStore<E>;
  /** The same database. */
  readonly connectionString: string;
}

/** The last step of a projection spec: run the projection, then compare rows. */
export interface ProjectionSpecThen<DB> {
  /**
   * Runs the projection on the events and compares what `query` returns with `expected` (deep, strict).
   * @throws {AssertionError} with a diff when they differ
   */
  then<R>(query: (trx: Transaction<DB>) => Promise<R>, expected: R): Promise<void>;
}

/** A projection spec after `given(history)`: compare rows now, or hand new events over first. */
export interface ProjectionSpecGiven<E extends EventShape, DB> extends ProjectionSpecThen<DB> {
  /**
   * New events, appended after the history and handed to `handle` in a second call of their own: the history's
   * rows already exist when they arrive (the path a handler takes on a running projection).
   */
  when(events: readonly NewEvent<E>[]): ProjectionSpecThen<DB>;
}

/** The `given(history).when(events).then(query, rows)` surface of a projection spec (`when` is optional). */
export interface ProjectionSpec<E extends EventShape, DB> {
  given(events: readonly NewEvent<E>[]): ProjectionSpecGiven<E, DB>;
  /** Closes the spec's pool. */
  close(): Promise<void>;
}

/**
 * A given/when/then spec for a projection on a real database: each case runs in one transaction that is rolled
 * back at the end, so cases never see each other and leave nothing behind. In it: setup, reset, append the given
 * events and handle those of the projection's query in one batch; then, with `when`, append the new events and
 * handle theirs in a second batch; then query.
 * @example
 * const spec = projectionSpec(balances, { store, connectionString });
 * await spec
 *   .given([{ type: 'AccountOpened', data: { accountId: 'a1' } }, { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 } }])
 *   .when([{ type: 'MoneyDeposited', data: { accountId: 'a1', amount: 2 } }])
 *   .then((trx) => trx.selectFrom('balances').selectAll().execute(), [{ account_id: 'a1', balance: '7' }]);
 */
export function projectionSpec<E extends EventShape, DB>(
  projection: Projection<E, DB>,
  options: ProjectionSpecOptions<E>,
): ProjectionSpec<E, DB> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const rollback = Symbol('rollback');

  /** Appends `events` in `trx` and hands those of the projection's query to `handle`, in one call. */
  const appendAndHandle = async (trx: Transaction<DB>, events: readonly NewEvent<E>[]): Promise<void> => {
    if (events.length === 0) return;
    const session = options.store.with(trx as unknown as Transaction<object>);
    const { positions } = await session.append(events);
    const wanted = new Set(positions);
    const { events: read } = await session.read(undefined, { after: positions[0]! - 1n });
    const mine = (read as StoredEvent<E>[]).filter((e) => wanted.has(e.position) && matchesQuery(e, projection.query));
    // `mine` holds only events of the projection's query, the events its `handle` is typed for.
    if (mine.length > 0) await projection.handle(mine as unknown as Parameters<Projection<E, DB>['handle']>[0], trx);
  };

  /** Runs the batches in order in one transaction, queries, rolls back, then compares. */
  const run = async <R>(batches: readonly (readonly NewEvent<E>[])[], query: (trx: Transaction<DB>) => Promise<R>, expected: R): Promise<void> => {
    let actual: unknown;
    await db
      .transaction()
      .execute(async (trx) => {
        await projection.setup(trx);
        await projection.reset(trx);
        for (const batch of batches) await appendAndHandle(trx, batch);
        actual = await query(trx);
        throw rollback;
      })
      .catch((error: unknown) => {
        if (error !== rollback) throw error;
      });
    deepStrictEqual(actual, expected);
  };

  return {
    given: (history) => ({
      then: (query, expected) => run([history], query, expected),
      when: (events) => ({ then: (query, expected) => run([history, events], query, expected) }),
    }),
    close: () => db.destroy(),
  };
}
