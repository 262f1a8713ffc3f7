import { ConfigurationError } from '../../errors.js';
import type { EventStore, EventStoreSession } from '../../event-store.js';
import type { KyselyInstance } from '../../options.js';
import type { EventShape } from '../../types.js';
import { commitHistory } from './memory-history.js';
import { personalDataOperations } from '../../personal-data/personal-data-operations.js';
import { personalDataOf } from '../../personal-data/personal-data-stage.js';
import { memoryKeyVault } from './memory-key-vault.js';
import { MemoryRuntime, type InMemoryEventStoreOptions } from './memory-runtime.js';
import { createMemorySession } from './memory-session.js';
import { settledCheckpointOf } from './memory-settled.js';
import { MemorySeals } from './memory-seals.js';
import { MemorySnapshots } from './memory-snapshots.js';
import { MemoryTransaction } from './memory-transaction.js';

/** The memory store: an {@link EventStore} whose `with` also takes the session of one of its own transactions. */
export interface InMemoryEventStore<E extends EventShape> extends EventStore<E> {
  /**
   * The memory store has no SQL connection, so it cannot join a Kysely transaction. It accepts the session that
   * its own `transaction(work)` gave `work` (and returns it), so code written as `store.with(trx).append(…)` can
   * run on it; anything else is refused.
   * @throws {ConfigurationError} for a Kysely instance or transaction, or a session of another store
   * @throws {StoreClosedError}
   */
  with(trx: KyselyInstance | EventStoreSession<E>): EventStoreSession<E>;
}

/** Which memory store made a transaction's session, so `with` can recognise its own. */
const owners = new WeakMap<object, MemoryRuntime>();

/**
 * Creates an event store that keeps its events in memory, for fast unit tests of code written against
 * `EventStore<E>`: the same operations, validation, errors and guarantees as the PostgreSQL store (conditional
 * appends with heads, idempotent ids, streams from a snapshot, settled reads with checkpoints, transactions),
 * with nothing to start or clean up. Events live as long as the store object.
 * @example
 * const store = createInMemoryEventStore<BankEvent>();
 * const { head } = await store.read([{ tags: ['account:a1'] }]);
 * await store.append([deposit], { condition: { query: [{ tags: ['account:a1'] }], after: head } });
 * @throws {ConfigurationError} on an invalid schema name, channel, `now`, `lockTimeoutMs`, `schemas`, `upcasters` or `history`
 * @throws {InvalidEventError} for an event of `history` that no append would accept
 */
export function createInMemoryEventStore<E extends EventShape>(options: InMemoryEventStoreOptions<E> = {}): InMemoryEventStore<E> {
  const runtime = new MemoryRuntime(options);
  commitHistory(runtime, options.history ?? []);
  const snapshots = new MemorySnapshots();
  const seals = new MemorySeals(runtime.log);
  return {
    ...createMemorySession<E>(runtime, undefined),
    schema: runtime.schema,
    channel: runtime.channel,
    migrate: () => runtime.guard(() => undefined),
    with: (trx) => {
      runtime.assertOpen();
      const owner = typeof trx === 'object' && trx !== null ? owners.get(trx) : undefined;
      if (owner === runtime) return trx as EventStoreSession<E>;
      throw new ConfigurationError(
        owner !== undefined
          ? 'with() was given the session of another memory store’s transaction'
          : 'the in-memory event store has no SQL transactions and cannot join a Kysely transaction: use ' +
              'store.transaction(async (session) => …) and pass that session (or store.with(session)) to the code under test, ' +
              'or test code that needs its own SQL transaction against PostgreSQL (createTestStore)',
      );
    },
    transaction: (work) =>
      runtime.guard(async () => {
        const trx = new MemoryTransaction(runtime);
        const session = createMemorySession<E>(runtime, trx);
        owners.set(session, runtime);
        let value: Awaited<ReturnType<typeof work>>;
        try {
          value = await work(session);
        } catch (error) {
          trx.rollback();
          throw error;
        }
        trx.commit();
        return value;
      }),
    horizon: () => runtime.guard(() => ({ settled: settledCheckpointOf(runtime.log), blockers: [], unsettledEvents: 0 })),
    seal: () => runtime.guard(() => seals.seal()),
    verify: (verifyOptions = {}) => runtime.guard(() => seals.verify(verifyOptions)),
    loadSnapshot: (decision, key) => runtime.guard(() => snapshots.load(decision, key)),
    saveSnapshot: (snapshot) => runtime.guard(() => snapshots.save(snapshot)),
    ...personalDataOperations(personalDataOf(runtime.codec.stages), () => memoryKeyVault(runtime), (work) => runtime.guard(work)),
    close: async () => {
      runtime.close();
    },
  };
}
