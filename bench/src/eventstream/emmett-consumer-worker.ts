/**
 * The Emmett side of the subscription benchmark, in a worker thread: Emmett (through dumbo) replaces
 * `pg`'s global type parsers, which would change every other `pg` user of the process (see
 * ../emmett-worker.ts). It runs its scenarios in order and posts log lines, then one result.
 *
 * Emmett's consumer is used with its defaults (`postgreSQLEventStoreConsumer({ connectionString })`,
 * pulling batchSize 100, pullingFrequencyInMs 50, a reactor with `eachMessage` and no `startFrom`, so a
 * new processor id starts from the beginning). Scenario order matters for that reason: latency first on
 * an empty store, then completeness, then the catch-up over everything stored.
 */
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import type { Event } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  postgreSQLEventStoreConsumer,
  type PostgresEventStore,
} from '@event-driven-io/emmett-postgresql';
import { deposit, type DepositData } from '../events.js';
import { describeError, runClients } from '../measure.js';
import {
  completenessResult,
  countDelivery,
  latencyResult,
  pacedAppends,
  sleep,
  waitUntil,
  type CatchUpResult,
  type CompletenessResult,
  type LatencyResult,
} from './common.js';

export interface EmmettPlan {
  readonly url: string;
  readonly latencyRate: number;
  readonly latencyMs: number;
  readonly drainMs: number;
  readonly clients: number;
  readonly completenessMs: number;
  readonly completenessWaitMs: number;
  readonly seedEvents: number;
  readonly catchUpTimeoutMs: number;
}

export interface EmmettResults {
  latency?: LatencyResult;
  latencyError?: string;
  completeness?: CompletenessResult;
  completenessError?: string;
  catchUp?: CatchUpResult;
  catchUpError?: string;
  notes: string[];
}

export type EmmettMessage =
  | { readonly kind: 'log'; readonly line: string }
  | { readonly kind: 'result'; readonly results: EmmettResults }
  | { readonly kind: 'failed'; readonly error: string };

type Deposited = Event<'MoneyDeposited', DepositData, { correlationId: string }>;

const log = (line: string) => parentPort?.postMessage({ kind: 'log', line } satisfies EmmettMessage);

/** A started consumer with one reactor calling `onMessage` with each message's deposit id. */
function startConsumer(url: string, processorId: string, onMessage: (depositId: string | undefined) => void) {
  const consumer = postgreSQLEventStoreConsumer<Deposited>({ connectionString: url });
  consumer.reactor<Deposited>({
    processorId,
    eachMessage: (message) => {
      onMessage((message.data as Partial<DepositData> | undefined)?.depositId);
    },
  });
  const running = consumer.start().catch((error: unknown) => {
    log(`  emmett consumer ${processorId} failed: ${describeError(error)}`);
  });
  return {
    close: async () => {
      await consumer.close();
      await running;
    },
  };
}

/** Ids appended by the latency scenario, and those of them its consumer never delivered. */
const latencyIds = { committed: new Set<string>(), undelivered: new Set<string>() };

async function latency(store: PostgresEventStore, plan: EmmettPlan): Promise<LatencyResult> {
  const committedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const consumer = startConsumer(plan.url, 'bench-latency', (id) => {
    if (id !== undefined && !seenAt.has(id)) seenAt.set(id, performance.now());
  });
  try {
    await sleep(1000); // let the puller start before the first append
    const run = await pacedAppends(
      plan.latencyRate,
      plan.latencyMs,
      async (i) => {
        const event = deposit(`elat-${i}`, i);
        await store.appendToStream<Deposited>(`account-elat-${i}`, [{ type: event.type, data: event.data, metadata: event.metadata }]);
        return event.data.depositId;
      },
      committedAt,
    );
    await waitUntil(() => [...committedAt.keys()].every((id) => seenAt.has(id)), plan.drainMs, 20);
    for (const id of committedAt.keys()) {
      latencyIds.committed.add(id);
      if (!seenAt.has(id)) latencyIds.undelivered.add(id);
    }
    return latencyResult(committedAt, seenAt, run.failed, run.seconds);
  } finally {
    await consumer.close();
  }
}

async function completeness(store: PostgresEventStore, plan: EmmettPlan, notes: string[]): Promise<CompletenessResult> {
  const written = new Set<string>();
  const deliveries = new Map<string, number>();
  let failed = 0;
  let lastDeliveryAt = performance.now();
  const consumer = startConsumer(plan.url, 'bench-completeness', (id) => {
    lastDeliveryAt = performance.now();
    if (id !== undefined) countDelivery(deliveries, id);
  });
  try {
    await sleep(500);
    const round = await runClients(plan.clients, plan.completenessMs, async (client, i) => {
      const event = deposit(`ecmp-${client}-${i}`, i);
      try {
        await store.appendToStream<Deposited>(`account-ecmp-${client}-${i}`, [
          { type: event.type, data: event.data, metadata: event.metadata },
        ]);
        written.add(event.data.depositId);
        return { events: 1 };
      } catch {
        failed++;
        return { events: 0 };
      }
    });
    const t0 = performance.now();
    const caughtUp = await waitUntil(() => [...written].every((id) => deliveries.has(id)), plan.completenessWaitMs, 50);
    const drainMs = performance.now() - t0;
    const idleAtEndMs = performance.now() - lastDeliveryAt;
    await sleep(1000); // late duplicates, if any
    if (latencyIds.committed.size > 0) {
      const reread = [...latencyIds.committed].filter((id) => deliveries.has(id)).length;
      const stillMissing = [...latencyIds.undelivered].filter((id) => !deliveries.has(id)).length;
      notes.push(
        `Emmett's completeness consumer (a new processor, so from the beginning) re-read ${reread} of the latency scenario's ${latencyIds.committed.size} events, long after all of them had committed; ` +
          `of the ${latencyIds.undelivered.size} the latency consumer never delivered, ${stillMissing} were skipped again.`,
      );
    }
    return completenessResult(plan.clients, round.seconds, written, failed, deliveries, drainMs, caughtUp, idleAtEndMs);
  } finally {
    await consumer.close();
  }
}

/** Seeds `count` events straight into Emmett's `emt_messages` (default partition), 10 per stream. */
async function seed(url: string, count: number): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    await client.query(
      `INSERT INTO emt_messages (stream_position, transaction_id, stream_id, partition, message_schema_version,
                                 message_id, message_type, message_kind, message_data, message_metadata)
       SELECT 1 + g / ${Math.max(1, Math.floor(count / 10))}, pg_current_xact_id(),
              'account-ecu-' || (g % ${Math.max(1, Math.floor(count / 10))}), 'emt:default', '1',
              gen_random_uuid()::text, 'MoneyDeposited', 'E',
              jsonb_build_object('accountId', 'ecu-' || (g % ${Math.max(1, Math.floor(count / 10))}), 'amount', 1 + g % 500, 'depositId', 'seed-' || g),
              jsonb_build_object('correlationId', 'seed-' || (g / 4))
         FROM generate_series(0, $1::int - 1) AS g`,
      [count],
    );
    await client.query('ANALYZE emt_messages');
    const total = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM emt_messages`);
    return Number(total.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

async function catchUp(plan: EmmettPlan): Promise<CatchUpResult> {
  const total = await seed(plan.url, plan.seedEvents);
  log(`  emmett: seeded ${plan.seedEvents.toLocaleString('en-US')} events (emt_messages now holds ${total.toLocaleString('en-US')})`);
  let delivered = 0;
  const t0 = performance.now();
  const consumer = startConsumer(plan.url, 'bench-catchup', () => {
    delivered++;
  });
  try {
    const complete = await waitUntil(() => delivered >= total, plan.catchUpTimeoutMs, 5);
    const seconds = (performance.now() - t0) / 1000;
    return { events: delivered, seconds, rate: delivered / seconds, complete };
  } finally {
    await consumer.close();
  }
}

async function run(plan: EmmettPlan): Promise<EmmettResults> {
  const out: EmmettResults = { notes: [] };
  const store = getPostgreSQLEventStore(plan.url);
  try {
    await store.schema.migrate();
    log('\n## Emmett consumer (worker thread)');
    try {
      out.latency = await latency(store, plan);
      log(`  emmett latency: p50 ${out.latency.p50.toFixed(1)} ms, p99 ${out.latency.p99.toFixed(1)} ms, max ${out.latency.max.toFixed(1)} ms`);
    } catch (error) {
      out.latencyError = describeError(error);
      log(`  emmett latency FAILED: ${out.latencyError}`);
    }
    try {
      out.completeness = await completeness(store, plan, out.notes);
      log(`  emmett completeness: written ${out.completeness.written}, lost ${out.completeness.lost}, duplicated ${out.completeness.duplicated}`);
    } catch (error) {
      out.completenessError = describeError(error);
      log(`  emmett completeness FAILED: ${out.completenessError}`);
    }
    try {
      out.catchUp = await catchUp(plan);
      log(`  emmett catch-up: ${out.catchUp.events} events in ${out.catchUp.seconds.toFixed(1)} s`);
    } catch (error) {
      out.catchUpError = describeError(error);
      log(`  emmett catch-up FAILED: ${out.catchUpError}`);
    }
  } finally {
    await store.close();
  }
  return out;
}

run(workerData as EmmettPlan).then(
  (results) => parentPort?.postMessage({ kind: 'result', results } satisfies EmmettMessage),
  (error: unknown) => parentPort?.postMessage({ kind: 'failed', error: describeError(error) } satisfies EmmettMessage),
);
