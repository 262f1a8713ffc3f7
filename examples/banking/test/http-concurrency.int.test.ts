import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, testRandom, type TestDatabase } from '@tally/test-harness';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBank, type Bank } from '../src/bank.js';
import { evolveAccount, foldAccount } from '../src/domain/account.js';
import { buildApp } from '../src/http/app.js';
import { statementLines } from '../src/features/views/statement.js';

/**
 * 32 HTTP clients deposit, withdraw and transfer at random among 10 accounts for 20 s (BANK_STRESS_MS to
 * change it), re-sending some requests — sometimes while the first send is still in flight. Afterwards the
 * event log, the clients' own bookkeeping and the read models must agree to the cent.
 */
const clients = 32;
const accountCount = 10;
const durationMs = Number(process.env.BANK_STRESS_MS ?? 20_000);
const initialDeposit = 1_000_00;

type Op =
  | { kind: 'deposit'; accountId: string; amount: number; id: string }
  | { kind: 'withdraw'; accountId: string; amount: number; id: string }
  | { kind: 'transfer'; from: string; to: string; amount: number; id: string };

interface Sent {
  readonly op: Op;
  readonly statuses: number[];
  readonly codes: string[];
}

let database: TestDatabase;
let bank: Bank;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  database = await createTestDatabase();
  bank = createBank({ connectionString: database.url, maxConnections: 16 });
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

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(base + path, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function send(op: Op): Promise<{ status: number; json: Record<string, unknown> }> {
  switch (op.kind) {
    case 'deposit':
      return call('POST', `/accounts/${op.accountId}/deposits`, { amount: op.amount, depositId: op.id });
    case 'withdraw':
      return call('POST', `/accounts/${op.accountId}/withdrawals`, { amount: op.amount, withdrawalId: op.id });
    case 'transfer':
      return call('POST', '/transfers', { fromAccountId: op.from, toAccountId: op.to, amount: op.amount, transferId: op.id });
  }
}

const random = testRandom('32 concurrent HTTP clients'); // replays the choices; their interleaving is real time
const pick = <T>(items: readonly T[]): T => random.pick(items);
const amount = (max: number) => 1 + random.int(max);

describe('32 concurrent HTTP clients among 10 accounts', () => {
  it('never lose or create money: no negative balance, totals conserved, each operation once, read models equal the fold', async () => {
    const accountIds: string[] = [];
    for (let i = 0; i < accountCount; i++) {
      const { status, json } = await call('POST', '/accounts', { customerName: `Stress ${i}`, initialDeposit });
      expect(status).toBe(201);
      accountIds.push(json.accountId as string);
    }
    const projector = await bank.startProjector();

    const sent: Sent[] = [];
    const unexpected: string[] = [];
    const deadline = Date.now() + durationMs;
    const client = async () => {
      while (Date.now() < deadline) {
        const roll = random();
        const id = randomUUID();
        const op: Op =
          roll < 0.35
            ? { kind: 'deposit', accountId: pick(accountIds), amount: amount(50_00), id }
            : roll < 0.65
              ? { kind: 'withdraw', accountId: pick(accountIds), amount: amount(150_00), id }
              : (() => {
                  const from = pick(accountIds);
                  let to = pick(accountIds);
                  while (to === from) to = pick(accountIds);
                  return { kind: 'transfer' as const, from, to, amount: amount(150_00), id };
                })();
        const record: Sent = { op, statuses: [], codes: [] };
        sent.push(record);
        // One request in five is sent again: half of those while the first is still in flight.
        const retry = random();
        const sends = retry < 0.1 ? [send(op), send(op)] : [send(op)];
        const responses = await Promise.all(sends);
        if (retry >= 0.1 && retry < 0.2) responses.push(await send(op));
        for (const { status, json } of responses) {
          record.statuses.push(status);
          const code = (json.error as { code?: string } | undefined)?.code;
          if (code) record.codes.push(code);
          if (status !== 200 && status !== 201 && !(status === 409 && (code === 'INSUFFICIENT_FUNDS' || code === 'CONCURRENCY_CONFLICT'))) {
            unexpected.push(`${op.kind} ${status} ${JSON.stringify(json)}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    expect(unexpected).toEqual([]);

    const { events } = await bank.store.read();
    const idOf = (e: (typeof events)[number]) =>
      e.type === 'MoneyDeposited' ? e.data.depositId : e.type === 'MoneyWithdrawn' ? e.data.withdrawalId : e.type === 'MoneyTransferred' ? e.data.transferId : null;

    // Each operation applied at most once; applied exactly when some send of it got a 2xx; a 201 at most once.
    const applied = new Map<string, number>();
    for (const e of events) {
      const id = idOf(e);
      if (id) applied.set(id, (applied.get(id) ?? 0) + 1);
    }
    let succeeded = 0;
    for (const { op, statuses } of sent) {
      const ok = statuses.some((s) => s === 200 || s === 201);
      expect(applied.get(op.id) ?? 0).toBe(ok ? 1 : 0);
      expect(statuses.filter((s) => s === 201).length).toBeLessThanOrEqual(1);
      if (ok) succeeded++;
    }
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    const refused = sent.filter((s) => s.codes.includes('INSUFFICIENT_FUNDS')).length;
    const resent = sent.filter((s) => s.statuses.length > 1).length;
    console.info(`${sent.length} operations (${resent} sent twice): ${succeeded} applied, ${refused} refused for funds, ${events.length} events`);
    // The race really happened: many operations went through, some were refused, some were retries.
    expect(succeeded).toBeGreaterThan(200);
    expect(sent.filter((s) => s.codes.includes('INSUFFICIENT_FUNDS')).length).toBeGreaterThan(0);
    expect(sent.filter((s) => s.statuses.includes(200)).length).toBeGreaterThan(0);

    // No balance ever below zero: fold the log in position order, checking after every event.
    const running = new Map(accountIds.map((id) => [id, foldAccount(id, [])]));
    for (const event of events) {
      for (const [id, state] of running) {
        const after = evolveAccount(state, event);
        expect(after.balance, `balance of ${id} after position ${event.position}`).toBeGreaterThanOrEqual(0);
        running.set(id, after);
      }
    }

    // Totals: what the clients were told was applied (201s) equals what the store holds.
    let expectedTotal = accountCount * initialDeposit;
    for (const { op, statuses } of sent) {
      if (!statuses.includes(201)) continue;
      if (op.kind === 'deposit') expectedTotal += op.amount;
      if (op.kind === 'withdraw') expectedTotal -= op.amount;
    }
    const finalBalances = accountIds.map((id) => running.get(id)!.balance);
    expect(finalBalances.reduce((a, b) => a + b, 0)).toBe(expectedTotal);

    // Read models equal the fold: accounts, and every statement line with its running balance.
    await projector.waitForCatchUp({ timeoutMs: 60_000 });
    for (const [i, id] of accountIds.entries()) {
      const { status, json } = await call('GET', `/accounts/${id}`);
      expect(status).toBe(200);
      expect(json.balance).toBe(finalBalances[i]);
      const statement = await call('GET', `/accounts/${id}/statement`);
      const lines = statement.json.lines as { seq: number; position: string; amount: number; balanceAfter: number }[];
      const folded = statementLines(id, events);
      expect(lines.map((l) => [l.seq, l.position, l.amount, l.balanceAfter])).toEqual(folded.map((l) => [l.seq, String(l.position), l.amount, l.balanceAfter]));
      expect(lines.every((l) => l.balanceAfter >= 0)).toBe(true);
    }
  }, durationMs + 120_000);
});
