import { AppendConditionError, type EventStore, type Head, type Query } from '@tally/eventstore';
import { accountFor, accountTag, decisionTypes, deposit, deposits, type TallyBenchEvent } from './events.js';
import { runClients, type Contender } from './measure.js';

export type BenchStore = EventStore<TallyBenchEvent>;

/** Unconditional appends of `batch` events per call from `clients` concurrent callers of one store. */
export function tallyAppend(store: BenchStore, label: string, clients: number, batch: number): Contender {
  const scenario = `${label.replaceAll(' ', '_')}${batch}x${clients}`;
  return {
    label,
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        const account = accountFor(scenario, client, i);
        await store.append(batch === 1 ? [deposit(account, i)] : deposits(account, i, batch));
        return { events: batch };
      }),
  };
}

const decisionQuery = (accountId: string): Query<TallyBenchEvent> => [{ types: decisionTypes, tags: [accountTag(accountId)] }];

/** Appends one deposit guarded by `query` and `after`: the head the append returned, or undefined on a conflict. */
async function guardedDeposit(store: BenchStore, accountId: string, query: Query<TallyBenchEvent>, n: number, after: Head): Promise<Head | undefined> {
  try {
    const { head } = await store.append([deposit(accountId, n)], { condition: { query, after } });
    return head!;
  } catch (error) {
    if (error instanceof AppendConditionError) return undefined;
    throw error;
  }
}

/** Reads an account's decision events, then appends one deposit guarded by what the read saw. */
async function decideAndAppend(store: BenchStore, accountId: string, n: number): Promise<'appended' | 'conflict'> {
  const query = decisionQuery(accountId);
  const { head } = await store.read(query);
  return (await guardedDeposit(store, accountId, query, n, head)) === undefined ? 'conflict' : 'appended';
}

/**
 * Conditional appends, each client on its own accounts (`<prefix>-<client>-<n>`, 100 per client): no conflicts
 * expected. A scenario that runs twice on one store passes its own prefix, so each run starts on fresh accounts.
 */
export function tallyConditionalDistinct(store: BenchStore, clients: number, prefix = 'cond'): Contender {
  return {
    label: 'tally conditional, distinct keys',
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        const outcome = await decideAndAppend(store, `${prefix}-${client}-${i % 100}`, i);
        return outcome === 'appended' ? { events: 1 } : { events: 0, conflicts: 1 };
      }),
  };
}

/**
 * Conditional appends on distinct keys, each client on its own 100 accounts, deciding from a state it keeps: the
 * first append on an account reads it; every later one is guarded by the head the previous append returned
 * (no read), as a service that keeps its decision state in memory does. A conflict (none expected) drops the head.
 */
export function tallyConditionalCarried(store: BenchStore, clients: number): Contender {
  const heads = new Map<string, Head>();
  return {
    label: 'tally conditional, distinct keys, carried head',
    round: (durationMs) =>
      runClients(clients, durationMs, async (client, i) => {
        const accountId = `carried-${client}-${i % 100}`;
        const query = decisionQuery(accountId);
        const head = await guardedDeposit(store, accountId, query, i, heads.get(accountId) ?? (await store.read(query)).head);
        if (head === undefined) {
          heads.delete(accountId);
          return { events: 0, conflicts: 1 };
        }
        heads.set(accountId, head);
        return { events: 1 };
      }),
  };
}

/**
 * Conditional appends by every client on one account (a fresh one each round, so reads stay small):
 * a conflict (AppendConditionError) is counted and the client re-reads and retries.
 */
export function tallyConditionalHot(store: BenchStore, clients: number): Contender {
  return {
    label: 'tally conditional, one hot key',
    round: (durationMs, round) => {
      const account = `hot-${round < 0 ? 'warmup' : round}-${Date.now()}`;
      return runClients(clients, durationMs, async (_client, i) => {
        const outcome = await decideAndAppend(store, account, i);
        return outcome === 'appended' ? { events: 1 } : { events: 0, conflicts: 1 };
      });
    },
  };
}

/** `store.read` of every event in pages of `pageSize`, from the start, for the length of a round. */
export function tallyRead(store: BenchStore, pageSize: number): Contender {
  return {
    label: `tally read (pages of ${pageSize})`,
    round: (durationMs) => {
      let after = 0n;
      return runClients(1, durationMs, async () => {
        const { events } = await store.read(undefined, { after, limit: pageSize });
        after = events.length === pageSize ? events[events.length - 1]!.position : 0n;
        return { events: events.length };
      });
    },
  };
}

/** `store.stream` of every event (batches of `batchSize`) from the start, for the length of a round. */
export function tallyStream(store: BenchStore, batchSize: number): Contender {
  return {
    label: `tally stream (batches of ${batchSize})`,
    async round(durationMs) {
      const start = performance.now();
      const deadline = start + durationMs;
      let events = 0;
      while (performance.now() < deadline) {
        for await (const _event of store.stream(undefined, { batchSize })) {
          events++;
          if (events % batchSize === 0 && performance.now() >= deadline) break;
        }
      }
      return { events, conflicts: 0, seconds: (performance.now() - start) / 1000 };
    },
  };
}
