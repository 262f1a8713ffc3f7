/**
 * Emmett's hot stream, in a worker thread (Emmett replaces `pg`'s global type parsers; see ../emmett-worker.ts):
 * every client reads the one stream (`readStream`: its events and current version), appends one deposit with
 * `expectedStreamVersion` set to that version, and on `ExpectedVersionConflictError` counts a conflict and retries
 * at once (read again, append again). A fresh stream each round, so reads stay as small as Tally's.
 */
import { parentPort } from 'node:worker_threads';
import { getPostgreSQLEventStore, type PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { isExpectedVersionConflictError, type Event } from '@event-driven-io/emmett';
import { deposit, type DepositData } from '../events.js';
import { describeError, runClients, type RoundResult } from '../measure.js';

export type EmmettHotRequest =
  | { readonly op: 'init'; readonly url: string }
  | { readonly op: 'round'; readonly clients: number; readonly durationMs: number; readonly stream: string }
  | { readonly op: 'close' };

export type EmmettHotResponse =
  | { readonly ok: true; readonly result?: RoundResult; readonly check?: string }
  | { readonly ok: false; readonly error: string };

type Deposited = Event<'MoneyDeposited', DepositData, { correlationId: string }>;

let store: PostgresEventStore | undefined;

/** One decision: read the stream, append the next deposit (amount = its sequence number) guarded by the version read. */
async function decide(s: PostgresEventStore, stream: string, accountId: string): Promise<'appended' | 'conflict'> {
  const { currentStreamVersion } = await s.readStream<Deposited>(stream);
  const event = deposit(accountId, 0);
  const data = { ...event.data, amount: Number(currentStreamVersion) + 1 };
  try {
    await s.appendToStream<Deposited>(stream, [{ type: 'MoneyDeposited', data, metadata: event.metadata }], { expectedStreamVersion: currentStreamVersion });
    return 'appended';
  } catch (error) {
    if (isExpectedVersionConflictError(error)) return 'conflict';
    throw error;
  }
}

/** The stream holds exactly `appended` events numbered 1…n: no decision was lost or made twice. */
async function check(s: PostgresEventStore, stream: string, appended: number): Promise<string> {
  const { events } = await s.readStream<Deposited>(stream);
  const bad = events.filter((e, i) => e.data.amount !== i + 1).length;
  return events.length === appended && bad === 0 ? 'ok' : `stream has ${events.length} events for ${appended} successes, ${bad} out of sequence`;
}

async function handle(request: EmmettHotRequest): Promise<EmmettHotResponse> {
  switch (request.op) {
    case 'init': {
      store = getPostgreSQLEventStore(request.url);
      await store.schema.migrate();
      return { ok: true };
    }
    case 'round': {
      const s = store;
      if (!s) throw new Error('Emmett store not initialised');
      const accountId = request.stream.slice('account-'.length);
      const result = await runClients(request.clients, request.durationMs, async () =>
        (await decide(s, request.stream, accountId)) === 'appended' ? { events: 1 } : { events: 0, conflicts: 1 },
      );
      return { ok: true, result, check: await check(s, request.stream, result.events) };
    }
    case 'close': {
      await store?.close();
      store = undefined;
      return { ok: true };
    }
  }
}

parentPort?.on('message', (request: EmmettHotRequest) => {
  handle(request).then(
    (response) => parentPort?.postMessage(response),
    (error: unknown) => parentPort?.postMessage({ ok: false, error: describeError(error) } satisfies EmmettHotResponse),
  );
});
