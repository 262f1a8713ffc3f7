import type { Kysely } from 'kysely';
import { append } from './append.js';
import { planLocks } from './lock-keys.js';
import { UnsupportedIsolationError } from './errors.js';
import type { EventStoreSession } from './event-store.js';
import { toStoredEvent } from './map-row.js';
import { noAppendSetting, type EventStoreTables } from './schema/tables.js';
import { readEvents } from './sql/read-events.js';
import { lagAfter } from './sql/lag.js';
import { readSettled, settledCheckpointAt } from './sql/read-settled.js';
import type { StatementRunner } from './sql/runner.js';
import { settle } from './sql/settle.js';
import type { StoreRuntime } from './store-runtime.js';
import { streamPages } from './stream-pages.js';
import { traceAppend } from './telemetry/trace-append.js';
import type { EventShape, Query, QueryResult, ReadOptions, SettledCheckpoint, StreamOptions } from './types.js';
import { validatePosition, validatePositiveInteger, validateQuery } from './validation.js';

const initialCheckpoint: SettledCheckpoint = { transactionId: 0n, position: 0n };

/**
 * The store's operations on one connection: `conn`/`run` are the store's own (autocommit) or a caller's
 * transaction (`inTransaction`). The horizon is always computed outside the caller's transaction (it must come
 * first, and its short lock must not last as long as that transaction).
 */
export function createSession<E extends EventShape>(
  runtime: StoreRuntime,
  conn: Kysely<EventStoreTables>,
  run: StatementRunner,
  inTransaction: boolean,
): EventStoreSession<E> {
  const { schema, horizonGraceMs } = runtime.settings;
  const horizon = () => settle(runtime.rootRun, schema, runtime.keys, horizonGraceMs);
  return {
    append: (events, options = {}) =>
      traceAppend({ schema, events: Array.isArray(events) ? events : [], conditional: options.condition !== undefined }, () =>
        runtime.guard(() => append(runtime, run, inTransaction, events, options), 'append'),
      ),

    read: <const Q extends Query<E> = Query<E>>(query?: Q, options: ReadOptions = {}) =>
      runtime.guard(async () => {
        if (query !== undefined) validateQuery(query);
        validatePosition(options.after, 'options.after');
        validatePositiveInteger(options.limit, 'options.limit');
        const signer = await runtime.signer(run);
        const unseenBy = options.alsoUnseenBy === undefined ? undefined : signer.verify(options.alsoUnseenBy);
        const { rows, headState } = await readEvents(run, runtime.readNames, schema, query, options, unseenBy);
        return { events: rows.map((row) => toStoredEvent(row)) as QueryResult<E, Q>[], head: signer.sign(headState) };
      }, 'read'),

    stream: <const Q extends Query<E> = Query<E>>(query?: Q, options: StreamOptions = {}) => {
      if (query !== undefined) validateQuery(query);
      validatePosition(options.after, 'options.after');
      validatePositiveInteger(options.batchSize, 'options.batchSize');
      return streamPages<QueryResult<E, Q>>(runtime, conn, inTransaction, query, options.batchSize ?? 1000, options.after ?? 0n);
    },

    readSettled: <const Q extends Query<E> = Query<E>>(
      query: Q | undefined,
      options: { readonly after: SettledCheckpoint; readonly limit: number },
    ) =>
      runtime.guard(async () => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        const { horizon: settled } = await horizon();
        const { rows, checkpoint, isolation } = await readSettled(conn, schema, query, options.after ?? initialCheckpoint, options.limit, settled);
        if (isolation !== 'read committed') throw new UnsupportedIsolationError('read-settled');
        return { events: rows.map((row) => toStoredEvent(row)) as QueryResult<E, Q>[], checkpoint };
      }, 'read'),

    lag: (query, options) =>
      runtime.guard(async () => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        const { horizon: settled } = await horizon();
        return lagAfter(conn, query, options.after ?? initialCheckpoint, options.limit ?? 10_000, settled);
      }, 'read'),

    settledCheckpoint: () => runtime.guard(async () => settledCheckpointAt(conn, schema, (await horizon()).horizon)),

    lockCondition: (query) =>
      runtime.guard(async () => {
        validateQuery(query, 'query');
        const locks = planLocks(schema, [], query, runtime.settings.maxFineLocks);
        await run(
          'SELECT count(CASE WHEN l.exclusive THEN pg_advisory_xact_lock(l.key) ELSE pg_advisory_xact_lock_shared(l.key) END) ' +
            'FROM unnest($1::bigint[], $2::boolean[]) AS l(key, exclusive)',
          [locks.keys, locks.exclusive],
        );
      }),

    declareNoAppend: () =>
      runtime.guard(async () => {
        await run(`SELECT set_config($1, 'on', true), pg_advisory_xact_lock_shared($2::bigint)`, [noAppendSetting(schema), runtime.keys.noAppend]);
      }),
  };
}
