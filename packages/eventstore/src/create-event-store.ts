import type { Kysely } from 'kysely';
import { createCodec } from './codec/create-codec.js';
import { classifyDatabaseError } from './classify-database-error.js';
import { StoreClosedError } from './errors.js';
import type { EventStore } from './event-store.js';
import { horizonOf } from './horizon.js';
import { resolveOptions, type EventStoreOptions } from './options.js';
import { migrateSchema } from './schema/migrate.js';
import type { EventStoreTables } from './schema/tables.js';
import { kyselyRunner } from './sql/runner.js';
import { sealStore } from './seal.js';
import { loadSnapshot, saveSnapshot } from './sql/snapshots.js';
import { createSession } from './session.js';
import { StoreRuntime } from './store-runtime.js';
import { personalDataOperations } from './personal-data/personal-data-operations.js';
import { personalDataOf } from './personal-data/personal-data-stage.js';
import { sqlKeyVault } from './sql/subject-keys.js';
import type { EventShape } from './types.js';
import { verifyStore } from './verify.js';

export type { EventStore, EventStoreSession } from './event-store.js';
export type { EventStoreOptions, KyselyInstance, NotifyMode } from './options.js';

/**
 * Creates an event store for the event union `E`.
 * @example
 * type BankEvent =
 *   | { type: 'AccountOpened'; data: { accountId: string; currency: string } }
 *   | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } };
 * const store = createEventStore<BankEvent>({ connectionString: process.env.DATABASE_URL! });
 * await store.migrate();
 * @throws {ConfigurationError} on an invalid schema name, channel or option (also `schemas`, `upcasters`)
 */
export function createEventStore<E extends EventShape>(options: EventStoreOptions<E>): EventStore<E> {
  const settings = resolveOptions(options);
  const runtime = new StoreRuntime(options, settings, createCodec(options));
  const { schema } = settings;
  return {
    ...createSession<E>(runtime, runtime.rootDb.withSchema(schema), runtime.rootRun, false),
    schema,
    channel: settings.channel,
    migrate: () =>
      runtime.guard(async () => {
        await migrateSchema(runtime.rootDb as unknown as Kysely<unknown>, schema);
        runtime.forgetSigner();
      }),
    with: (trx) => {
      if (runtime.closed) throw new StoreClosedError();
      const conn = trx as unknown as Kysely<EventStoreTables>;
      return createSession<E>(runtime, conn.withSchema(schema), kyselyRunner(conn as unknown as Kysely<unknown>), true);
    },
    horizon: () => horizonOf(runtime),
    seal: () => sealStore(runtime),
    verify: (verifyOptions = {}) => verifyStore(runtime, verifyOptions),
    loadSnapshot: (decision, key) => runtime.guard(() => loadSnapshot(runtime.rootRun, schema, decision, key), 'read'),
    saveSnapshot: (snapshot) => runtime.guard(() => saveSnapshot(runtime.rootRun, schema, snapshot)),
    transaction: async (work) => {
      if (runtime.closed) throw new StoreClosedError();
      // What `work` throws passes through as it is (its store calls already throw typed errors); only the
      // transaction's own statements (BEGIN, COMMIT) are classified here.
      let working = false;
      try {
        return await runtime.rootDb.transaction().execute(async (trx) => {
          working = true;
          const result = await work(createSession<E>(runtime, trx.withSchema(schema), kyselyRunner(trx as unknown as Kysely<unknown>), true));
          working = false;
          return result;
        });
      } catch (error) {
        throw working ? error : classifyDatabaseError(error);
      }
    },
    ...personalDataOperations(personalDataOf(runtime.codec.stages), () => sqlKeyVault(runtime.rootRun, schema, true), (work) => runtime.guard(work)),
    close: () => runtime.close(),
  };
}
