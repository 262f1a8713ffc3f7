/**
 * Runs Emmett's PostgreSQL event store inside a worker thread. Emmett (through dumbo) replaces `pg`'s
 * global type parsers when it creates a pool (int8 → BigInt, json/jsonb → JSON.parse with a BigInt
 * reviver), which would also slow down and change every other `pg` user of the process, Tally and the
 * raw contenders included. A worker has its own module graph, so its `pg` is its own.
 */
import { parentPort } from 'node:worker_threads';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Event } from '@event-driven-io/emmett';
import { accountFor, deposit, deposits, type BenchEvent, type DepositData } from './events.js';
import { describeError, runClients, type RoundResult } from './measure.js';

export type EmmettRequest =
  | { readonly op: 'init'; readonly url: string }
  | { readonly op: 'round'; readonly clients: number; readonly batch: number; readonly durationMs: number }
  | { readonly op: 'close' };

export type EmmettResponse =
  | { readonly ok: true; readonly result?: RoundResult; readonly info?: string }
  | { readonly ok: false; readonly error: string };

type Deposited = Event<'MoneyDeposited', DepositData, { correlationId: string }>;

/** Emmett has no tags: the account becomes the stream `account-<id>` (its stream type is `account`). */
const toEmmett = (event: BenchEvent): Deposited => ({ type: event.type, data: event.data, metadata: event.metadata });

let store: PostgresEventStore | undefined;

async function handle(request: EmmettRequest): Promise<EmmettResponse> {
  switch (request.op) {
    case 'init': {
      store = getPostgreSQLEventStore(request.url);
      // Emmett would migrate lazily on the first append; do it here so no round pays for it.
      await store.schema.migrate();
      return { ok: true, info: 'schema migrated with store.schema.migrate()' };
    }
    case 'round': {
      const s = store;
      if (!s) throw new Error('Emmett store not initialised');
      const { clients, batch, durationMs } = request;
      const scenario = `emmett${batch}x${clients}`;
      const result = await runClients(clients, durationMs, async (client, i) => {
        const account = accountFor(scenario, client, i);
        const events = batch === 1 ? [deposit(account, i)] : deposits(account, i, batch);
        await s.appendToStream<Deposited>(`account-${account}`, events.map(toEmmett));
        return { events: batch };
      });
      return { ok: true, result };
    }
    case 'close': {
      await store?.close();
      store = undefined;
      return { ok: true };
    }
  }
}

parentPort?.on('message', (request: EmmettRequest) => {
  handle(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: describeError(error) } satisfies EmmettResponse),
  );
});
