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

/** The `given(events).then(query, rows)` surface of a projection spec. */
export interface ProjectionSpec<E extends EventShape, DB> {
  given(events: readonly NewEvent<E>[]): {
    /**
     * Runs the projection on the events and compares what `query` returns with `expected` (deep, strict).
     * @throws {AssertionError} with a diff when they differ
     */
    then<R>(query: (trx: Transaction<DB>) => Promise<R>, expected: R): Promise<void>;
  };
  /** Closes the spec's pool. */
  close(): Promise<void>;
}

/**
 * A given/then spec for a projection on a real database: each case runs in one transaction (setup, reset, append
 * the given events, handle them in one batch, query) that is rolled back at the end, so cases never see each
 * other and leave nothing behind.
 * @example
 * const spec = projectionSpec(balances, { store, connectionString });
 * await spec
 *   .given([{ type: 'AccountOpened', data: { accountId: 'a1' } }, { type: 'MoneyDeposited', data: { accountId: 'a1', amount: 5 } }])
 *   .then((trx) => trx.selectFrom('balances').selectAll().execute(), [{ account_id: 'a1', balance: '5' }]);
 */
export function projectionSpec<E extends EventShape, DB>(
  projection: Projection<E, DB>,
  options: ProjectionSpecOptions<E>,
): ProjectionSpec<E, DB> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const rollback = Symbol('rollback');
  return {
    given: (events) => ({
      async then(query, expected) {
        let actual: unknown;
        await db
          .transaction()
          .execute(async (trx) => {
            await projection.setup(trx);
            await projection.reset(trx);
            const session = options.store.with(trx as unknown as Transaction<object>);
            if (events.length > 0) {
              const { positions } = await session.append(events);
              const wanted = new Set(positions);
              const { events: read } = await session.read(undefined, { after: positions[0]! - 1n });
              const mine = (read as StoredEvent<E>[]).filter((e) => wanted.has(e.position) && matchesQuery(e, projection.query));
              if (mine.length > 0) await projection.handle(mine as unknown as Parameters<Projection<E, DB>['handle']>[0], trx);
            }
            actual = await query(trx);
            throw rollback;
          })
          .catch((error: unknown) => {
            if (error !== rollback) throw error;
          });
        deepStrictEqual(actual, expected);
      },
    }),
    close: () => db.destroy(),
  };
}
