import type { Kysely } from 'kysely';
import type { CodecIo } from './codec/codec-types.js';
import { StoreClosedError } from './errors.js';
import { toStoredEvent } from './map-row.js';
import type { QueryItemShape } from './query-filter.js';
import type { EventStoreTables } from './schema/tables.js';
import { readPage } from './sql/read-page.js';
import { kyselyRunner } from './sql/runner.js';
import type { StoreRuntime } from './store-runtime.js';

/**
 * Pages through the table by position. Outside a transaction it opens a REPEATABLE READ, READ ONLY one,
 * so every page comes from the same snapshot and no event committing mid-scan can slip in behind it.
 */
export async function* streamPages<Ev>(
  runtime: StoreRuntime,
  conn: Kysely<EventStoreTables>,
  inTransaction: boolean,
  query: readonly QueryItemShape[] | undefined,
  batchSize: number,
  start: bigint,
): AsyncGenerator<Ev> {
  if (runtime.closed) throw new StoreClosedError();
  const trx = inTransaction
    ? undefined
    : await runtime.guard(() => conn.startTransaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute());
  const pageConn = (trx ?? conn).withSchema(runtime.settings.schema);
  const { decode } = runtime.codec;
  // The codec's stages read on the stream's own snapshot (its transaction, or the caller's).
  const io: CodecIo | undefined =
    decode === undefined ? undefined : { kind: 'postgres', schema: runtime.settings.schema, run: kyselyRunner((trx ?? conn) as unknown as Kysely<unknown>), inTransaction };
  let finished = false;
  try {
    let after = start;
    for (;;) {
      const rows = await runtime.guard(() => readPage(pageConn, query, after, batchSize), 'read');
      if (decode === undefined) {
        for (const row of rows) yield toStoredEvent(row) as Ev;
      } else {
        const page = decode(rows.map((row) => toStoredEvent(row)), io!);
        const events = page instanceof Promise ? await runtime.guard(() => page, 'read') : page;
        for (const event of events) yield event as Ev;
      }
      if (rows.length < batchSize) break;
      after = BigInt(rows[rows.length - 1]!.position);
    }
    finished = true;
  } finally {
    if (trx) {
      if (finished) await trx.commit().execute();
      else await trx.rollback().execute().catch(() => {});
    }
  }
}
