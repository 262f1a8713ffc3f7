import type { StoredEvent } from '@tally/eventstore';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, expect } from 'vitest';
import { createBank, type Bank } from '../src/bank.js';
import { foldAccount, type AccountState } from '../src/domain/account.js';
import { BankError, type BankErrorCode } from '../src/domain/errors.js';
import { accountTag, type BankEvent } from '../src/domain/events.js';
import { statementLines } from '../src/features/views/statement.js';
import { buildApp } from '../src/http/app.js';

/**
 * A fresh database (cloned from the migrated template) for the test file, a bank on it, and `racers(n)`: n more
 * banks of one store connection each, warmed up so that their requests really run side by side on separate
 * connections. Every bank is closed and the database dropped after the file.
 */
export async function setupBank(): Promise<{ database: TestDatabase; bank: Bank; racers: (n: number) => Promise<Racers> }> {
  const database = await createTestDatabase();
  const bank = createBank({ connectionString: database.url, maxConnections: 4 });
  const open = new Set<Bank>([bank]);
  const racers = async (n: number): Promise<Racers> => {
    const banks = Array.from({ length: n }, () => createBank({ connectionString: database.url, maxConnections: 1 }));
    for (const b of banks) open.add(b);
    // Open each one's connection now, so the race is not decided by who connected first.
    await Promise.all(banks.map((b) => b.store.read([{ tags: ['warm-up'] }])));
    return {
      banks,
      at: (i: number) => banks[i % banks.length]!,
      close: async () => {
        await Promise.all(banks.map((b) => b.close()));
        for (const b of banks) open.delete(b);
      },
    };
  };
  afterAll(async () => {
    await Promise.all([...open].map((b) => b.close()));
    await database.drop();
  });
  return { database, bank, racers };
}

export interface Racers {
  readonly banks: readonly Bank[];
  /** The i-th racer, round robin. */
  at(i: number): Bank;
  close(): Promise<void>;
}

/** Every event of the account, in position order, as the store holds it now. */
export async function accountEvents(bank: Bank, accountId: string): Promise<StoredEvent<BankEvent>[]> {
  return (await bank.store.read([{ tags: [accountTag(accountId)] }])).events;
}

/** The account folded from all its events, with the lowest running balance it ever had. */
export async function foldFromStore(bank: Bank, accountId: string): Promise<AccountState & { lowestBalance: number; events: number }> {
  const events = await accountEvents(bank, accountId);
  const lines = statementLines(accountId, events);
  return { ...foldAccount(accountId, events), lowestBalance: Math.min(...lines.map((l) => l.balanceAfter)), events: events.length };
}

/** Asserts that a settled promise was refused with a BankError of the given code. */
export function expectRefused(outcome: PromiseSettledResult<unknown>, code: BankErrorCode): void {
  expect(outcome.status).toBe('rejected');
  if (outcome.status === 'rejected') {
    expect(outcome.reason).toBeInstanceOf(BankError);
    expect(outcome.reason).toMatchObject({ code });
  }
}

/** The fulfilled values of settled promises. */
export const fulfilled = <T>(outcomes: readonly PromiseSettledResult<T>[]): T[] =>
  outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));

/** The refusals of settled promises, as codes (non-bank errors are kept as their message, to show up in a diff). */
export const refusalCodes = (outcomes: readonly PromiseSettledResult<unknown>[]): string[] =>
  outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason instanceof BankError ? o.reason.code : String(o.reason)] : []));

/**
 * Waits until the database server's clock, the one the store stamps `occurredAt` with, has left the millisecond
 * `ms` (epoch ms): an append that starts after this returns is then stamped in a later millisecond. Polls the
 * server (a millisecond at most); nothing here reads this process's clock.
 */
export async function untilServerClockPasses(bank: Bank, ms: number): Promise<void> {
  const next = new Date(ms + 1); // sent as text to the millisecond: compared exactly by the server
  for (;;) {
    const { rows } = await sql<{ passed: boolean }>`SELECT clock_timestamp() >= ${next}::timestamptz AS passed`.execute(bank.db);
    if (rows[0]?.passed) return;
  }
}

/** The `occurred_at` of the event at `position` as PostgreSQL stores it, exactly: epoch microseconds. */
export async function storedMicros(bank: Bank, position: bigint): Promise<bigint> {
  const { rows } = await sql<{ seconds: string; micros: string }>`
    SELECT extract(epoch FROM date_trunc('second', occurred_at))::bigint::text AS seconds,
           (extract(microseconds FROM occurred_at)::bigint % 1000000)::text AS micros
    FROM tally.events WHERE position = ${String(position)}::bigint`.execute(bank.db);
  if (!rows[0]) throw new Error(`no event at position ${position}`);
  return BigInt(rows[0].seconds) * 1_000_000n + BigInt(rows[0].micros);
}

/**
 * A bank and its HTTP app (not listening: `app.inject`) on a fresh database for the test file, all closed after it.
 * @example const { app, bank } = await serveBank();
 */
export async function serveBank(maxConnections = 4): Promise<{ database: TestDatabase; bank: Bank; app: FastifyInstance }> {
  const database = await createTestDatabase();
  const bank = createBank({ connectionString: database.url, maxConnections });
  afterAll(async () => {
    await bank.close();
    await database.drop();
  });
  await bank.migrate();
  const app = await buildApp(bank);
  afterAll(() => app.close()); // after hooks run last-registered first: the app closes before the bank
  return { database, bank, app };
}
