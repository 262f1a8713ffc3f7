import type { Kysely } from 'kysely';
import { append } from './append.js';
import type { CodecIo, MaybePromise } from './codec/codec-types.js';
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

/** A decoded page as a mutable array; awaited only when a stage answered later. */
const decoded = <T>(events: MaybePromise<readonly T[]>): T[] | Promise<T[]> =>
  events instanceof Promise ? events.then((list) => list as T[]) : (events as T[]);

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
  const { decode, encodeQuery } = runtime.codec;
  const io: CodecIo = { kind: 'postgres', schema, run, inTransaction };
  /** The query as stored events are matched (see `CodecStage.encodeQuery`). */
  const stored = <Q extends Query<E> | undefined>(query: Q) => (query === undefined || encodeQuery === undefined ? query : encodeQuery(query));
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
        const { rows, headState } = await readEvents(run, runtime.readNames, schema, stored(query), options, unseenBy);
        const events = rows.map((row) => toStoredEvent<E>(row)) as QueryResult<E, Q>[];
        return { events: decode === undefined ? events : await decoded(decode(events, io)), head: signer.sign(headState) };
      }, 'read'),

    stream: <const Q extends Query<E> = Query<E>>(query?: Q, options: StreamOptions = {}) => {
      if (query !== undefined) validateQuery(query);
      validatePosition(options.after, 'options.after');
      validatePositiveInteger(options.batchSize, 'options.batchSize');
      return streamPages<QueryResult<E, Q>>(runtime, conn, inTransaction, stored(query), options.batchSize ?? 1000, options.after ?? 0n);
    },

    readSettled: <const Q extends Query<E> = Query<E>>(
      query: Q | undefined,
      options: { readonly after: SettledCheckpoint; readonly limit: number },
    ) =>
      runtime.guard(async () => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        const { horizon: settled } = await horizon();
        const { rows, checkpoint, isolation } = await readSettled(conn, schema, stored(query), options.after ?? initialCheckpoint, options.limit, settled);
        if (isolation !== 'read committed') throw new UnsupportedIsolationError('read-settled');
        const events = rows.map((row) => toStoredEvent<E>(row)) as QueryResult<E, Q>[];
        return { events: decode === undefined ? events : await decoded(decode(events, io)), checkpoint };
      }, 'read'),

    lag: (query, options) =>
      runtime.guard(async () => {
        if (query !== undefined) validateQuery(query);
        validatePositiveInteger(options.limit, 'options.limit');
        const { horizon: settled } = await horizon();
        return lagAfter(conn, stored(query), options.after ?? initialCheckpoint, options.limit ?? 10_000, settled);
      }, 'read'),

    settledCheckpoint: () => runtime.guard(async () => settledCheckpointAt(conn, schema, (await horizon()).horizon)),

    lockCondition: (query) =>
      runtime.guard(async () => {
        validateQuery(query, 'query');
        const locks = planLocks(schema, [], stored(query), runtime.settings.maxFineLocks);
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
