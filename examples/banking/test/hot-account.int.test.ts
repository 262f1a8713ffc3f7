import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HandlerMode } from '@tally/decisions';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBank, type Bank } from '../src/bank.js';
import { foldAccount } from '../src/domain/account.js';
import { accountTag } from '../src/domain/events.js';
import { apiDecisionMode, buildApp } from '../src/http/app.js';

/**
 * One hot account over HTTP on loopback: 1,000 requests, 50 in flight at a time, 700 withdrawals and 300
 * deposits interleaved, after a deposit that covers every withdrawal whatever the order. Every request must
 * be served: no CONCURRENCY_CONFLICT (nor INSUFFICIENT_FUNDS, nor any 5xx). The bank runs its decisions as the
 * API does (`apiDecisionMode`); BANK_HOT_MODE=optimistic|locked runs the other mode, to compare. No timing is
 * asserted: the latencies are printed (p50, p99).
 *
 * Then a locked bank's first decisions on one account, more of them than its pool has connections, must not
 * wait forever for a connection while the store loads its head secret.
 */
const requests = 1_000;
const inFlight = 50;
const mode = (process.env.BANK_HOT_MODE ?? apiDecisionMode) as HandlerMode;

let database: TestDatabase;
let bank: Bank;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  // The API's pool size (createBank's default).
  bank = createBank({ connectionString: database.url, decisionMode: mode });
  await bank.migrate();
  app = await buildApp(bank);
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await bank?.close();
  await database?.drop();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

type Op = { kind: 'deposit' | 'withdraw'; amount: number; id: string };

/** The i-th latency of the sorted list at quantile q (nearest rank). */
const quantile = (sorted: readonly number[], q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;

describe('a hot account', () => {
  it(`serves ${requests} concurrent deposits and withdrawals on one account (${inFlight} in flight) without a conflict refusal`, async () => {
    const opened = await post('/accounts', { customerName: 'Hot Hannah' });
    expect(opened.status).toBe(201);
    const accountId = opened.json.accountId as string;

    // 3 deposits in every 10 requests, the rest withdrawals of 1.00–50.00: the first deposit covers them all.
    const ops: Op[] = Array.from({ length: requests }, (_, i) =>
      [2, 5, 8].includes(i % 10)
        ? { kind: 'deposit', amount: 1_00 + ((i * 37) % 20_00), id: `hot-d-${i}` }
        : { kind: 'withdraw', amount: 1_00 + ((i * 7_919) % 49_01), id: `hot-w-${i}` },
    );
    const withdrawals = ops.filter((op) => op.kind === 'withdraw');
    expect(withdrawals).toHaveLength(700);
    const cover = withdrawals.reduce((sum, op) => sum + op.amount, 0);
    expect((await post(`/accounts/${accountId}/deposits`, { amount: cover, depositId: 'hot-cover' })).status).toBe(201);
    const projector = await bank.startProjector();

    const latencies: number[] = [];
    const refused: string[] = [];
    let next = 0;
    const started = performance.now();
    const client = async () => {
      while (next < ops.length) {
        const op = ops[next++]!;
        const t0 = performance.now();
        const { status, json } =
          op.kind === 'deposit'
            ? await post(`/accounts/${accountId}/deposits`, { amount: op.amount, depositId: op.id })
            : await post(`/accounts/${accountId}/withdrawals`, { amount: op.amount, withdrawalId: op.id });
        latencies.push(performance.now() - t0);
        if (status !== 201) refused.push(`${op.kind} ${op.id}: ${status} ${JSON.stringify(json)}`);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, client));
    const seconds = (performance.now() - started) / 1000;

    const sorted = [...latencies].sort((a, b) => a - b);
    const conflicts = refused.filter((line) => line.includes('CONCURRENCY_CONFLICT')).length;
    console.info(
      `hot account, ${mode} decisions: ${requests} requests, ${inFlight} in flight, in ${seconds.toFixed(1)} s ` +
        `(${Math.round(requests / seconds)}/s): p50 ${quantile(sorted, 0.5).toFixed(1)} ms, p99 ${quantile(sorted, 0.99).toFixed(1)} ms, ` +
        `max ${sorted.at(-1)!.toFixed(1)} ms; ${refused.length} not served (${conflicts} CONCURRENCY_CONFLICT)`,
    );
    // Every request served, first time: no conflict refusal, no funds refusal, no 5xx.
    expect(refused).toEqual([]);

    // The balance is the fold of the events, and that is what the clients were told was applied.
    const { events } = await bank.store.read([{ tags: [accountTag(accountId)] }]);
    expect(events).toHaveLength(2 + requests);
    const folded = foldAccount(accountId, events);
    const expected = ops.reduce((balance, op) => balance + (op.kind === 'deposit' ? op.amount : -op.amount), cover);
    expect(folded.balance).toBe(expected);

    // The read model agrees once the projector has caught up.
    await projector.waitForCatchUp({ timeoutMs: 60_000 });
    const view = await fetch(`${base}/accounts/${accountId}`);
    expect(view.status).toBe(200);
    expect(((await view.json()) as { balance: number }).balance).toBe(folded.balance);
  });

  it('serves locked decisions on one account that hold every connection of the pool, from a cold start', async () => {
    const { accountId } = await bank.openAccount({ customerName: 'Cold Carl', initialDeposit: 20_00 });
    // A bank whose store has not read yet: it loads its head secret on the first read, on a connection of its pool.
    const cold = createBank({ connectionString: database.url, maxConnections: 2, decisionMode: 'locked' });
    try {
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => cold.withdraw({ accountId, amount: 1_00, withdrawalId: `cold-${i}` })));
      expect(outcomes.filter((o) => !o.replayed)).toHaveLength(20);
      expect(foldAccount(accountId, (await bank.store.read([{ tags: [accountTag(accountId)] }])).events).balance).toBe(0);
    } finally {
      await cold.close();
    }
  }, 30_000);
});
