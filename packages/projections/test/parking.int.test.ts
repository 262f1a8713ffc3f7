import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createProjector, defineProjection, ParkedEventNotFoundError, type Projection, type Projector } from '../src/index.js';
import type { BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

const { database, store, db } = await setupDatabase();

/** A ledger: one line per deposit with the account's running balance, so the order within an account shows. */
interface LedgerDb {
  [table: string]: { account_id: string; position: string; running: string };
}

/** Where the poison is, and whether the fix is deployed. */
interface Poison {
  amount: number;
  fixed: boolean;
}

/** Table `<name>` holds the ledger lines; `<name>_applied` counts how often each position was applied. */
function ledger(
  name: string,
  poison: Poison,
  options: { onError: 'park' | 'stop'; holdParkedTags?: boolean; version?: number; tables?: boolean },
): Projection<BankEvent, LedgerDb> {
  return defineProjection<BankEvent, LedgerDb>({
    name,
    version: options.version ?? 1,
    ...(options.tables ? { tables: [name, `${name}_applied`] } : {}),
    query: [{ types: ['MoneyDeposited'] }],
    onError: options.onError,
    ...(options.holdParkedTags === undefined ? {} : { holdParkedTags: options.holdParkedTags }),
    setup: async (trx) => {
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(name)} (account_id text NOT NULL, position bigint PRIMARY KEY, running bigint NOT NULL)`.execute(trx);
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(`${name}_applied`)} (position bigint PRIMARY KEY, times integer NOT NULL)`.execute(trx);
    },
    reset: async (trx) => {
      await sql`DELETE FROM ${sql.id(name)}`.execute(trx);
    },
    handle: async (events, trx) => {
      for (const event of events) {
        if (event.type !== 'MoneyDeposited') throw new Error(`the query admits deposits only, got ${event.type}`);
        if (!poison.fixed && event.data.amount === poison.amount) throw new Error(`poison amount ${event.data.amount}`);
        await sql`INSERT INTO ${sql.id(name)} (account_id, position, running)
          SELECT ${event.data.accountId}, ${event.position.toString()}::bigint,
                 ${event.data.amount}::bigint + coalesce((SELECT running FROM ${sql.id(name)} WHERE account_id = ${event.data.accountId} ORDER BY position DESC LIMIT 1), 0)`.execute(trx);
        await sql`INSERT INTO ${sql.id(`${name}_applied`)} AS a (position, times) VALUES (${event.position.toString()}, 1)
          ON CONFLICT (position) DO UPDATE SET times = a.times + 1`.execute(trx);
      }
    },
  });
}

const deposit = (i: number): { type: 'MoneyDeposited'; data: { accountId: string; amount: number }; tags: string[] } => ({
  type: 'MoneyDeposited',
  data: { accountId: `a${i % 10}`, amount: i + 1 },
  tags: [`account:a${i % 10}`],
});

/** Appends deposits `from`…`to - 1` (amount = index + 1) in appends of 50; returns their positions by amount. */
async function appendDeposits(from: number, to: number): Promise<Map<number, bigint>> {
  const positions = new Map<number, bigint>();
  for (let start = from; start < to; start += 50) {
    const batch = Array.from({ length: Math.min(50, to - start) }, (_, k) => deposit(start + k));
    const { positions: written } = await store.append(batch);
    batch.forEach((event, k) => positions.set(event.data.amount, written[k]!));
  }
  return positions;
}

/** The ledger a correct projection of every deposit in the store (but `skipped` positions) holds: running balances in order. */
async function expectedLedger(skipped: readonly bigint[] = []): Promise<string[]> {
  const { events } = await store.read([{ types: ['MoneyDeposited'] }]);
  const running = new Map<string, bigint>();
  const lines: string[] = [];
  for (const event of events) {
    if (event.type !== 'MoneyDeposited' || skipped.includes(event.position)) continue;
    const total = (running.get(event.data.accountId) ?? 0n) + BigInt(event.data.amount);
    running.set(event.data.accountId, total);
    lines.push(`${event.position}:${event.data.accountId}=${total}`);
  }
  return lines;
}

async function ledgerLines(db: Kysely<unknown>, name: string): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`SELECT position || ':' || account_id || '=' || running AS line FROM ${sql.id(name)} ORDER BY position`.execute(db);
  return rows.map((r) => r.line);
}

async function applyCounts(db: Kysely<unknown>, name: string): Promise<{ applied: number; maxTimes: number }> {
  const { rows } = await sql<{ applied: number; max: number | null }>`SELECT count(*)::int AS applied, max(times) AS max FROM ${sql.id(`${name}_applied`)}`.execute(db);
  return { applied: rows[0]!.applied, maxTimes: rows[0]!.max ?? 0 };
}

const projectors: Projector[] = [];
afterAll(async () => {
  await Promise.all(projectors.map((p) => p.stop({ timeoutMs: 2000 })));
});

/** Two workers sharing the projection, and an operator's projector (never started) in the same database. */
async function workers(projection: Projection<BankEvent, LedgerDb>) {
  const make = (workerId: string) => {
    const p = createProjector({ store, projections: [projection], connectionString: database.url, workerId, batchSize: 100, maxAttempts: 2, retryDelayMs: 10, pollIntervalMs: 100, claimIntervalMs: 200 });
    projectors.push(p);
    return p;
  };
  const [one, two, operator] = [make('w1'), make('w2'), make('operator')];
  await Promise.all([one.start(), two.start()]);
  const status = async () => (await operator.status())[0]!;
  return { operator, status };
}

describe('parking a poison event', () => {
  it('gaps: 999 of 1,000 applied, exactly one parked at the poison; retry after the fix applies it; two workers apply nothing twice', async () => {
    const poison: Poison = { amount: 377, fixed: false };
    const projection = ledger('park_gaps', poison, { onError: 'park', holdParkedTags: false });
    const positions = await appendDeposits(0, 1000);
    const { operator, status } = await workers(projection);
    expect(await eventually(async () => (await status()).lagEvents === 0, 30_000)).toBe(true);

    const parked = await operator.parked('park_gaps');
    expect(parked.map((p) => [p.position, p.state])).toEqual([[positions.get(377)!, 'parked']]);
    expect(parked[0]!.error).toContain('poison amount 377');
    expect(parked[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(await applyCounts(db, 'park_gaps')).toEqual({ applied: 999, maxTimes: 1 });
    expect((await status()).parkedEvents).toBe(1);

    // Still broken: the retry fails again and says so; nothing changes.
    const again = await operator.retryParked('park_gaps');
    expect(again.applied).toEqual([]);
    expect(again.failed.map((f) => f.position)).toEqual([positions.get(377)!]);
    expect((await operator.parked('park_gaps'))[0]!.attempts).toBe(parked[0]!.attempts + 1);

    poison.fixed = true;
    const retried = await operator.retryParked('park_gaps');
    expect(retried).toEqual({ applied: [positions.get(377)!], failed: [], remaining: 0 });
    expect(await operator.retryParked('park_gaps')).toEqual({ applied: [], failed: [], remaining: 0 });
    expect(await operator.parked('park_gaps')).toEqual([]);
    expect(await applyCounts(db, 'park_gaps')).toEqual({ applied: 1000, maxTimes: 1 });
    // Gaps: every other account's lines equal a fold; the poison's account (a6) got it after its later deposits.
    const lines = await ledgerLines(db, 'park_gaps');
    expect(lines).toHaveLength(1000);
    const others = (all: string[]) => all.filter((line) => !line.includes(':a6='));
    expect(others(lines)).toEqual(others(await expectedLedger()));
  });

  it('hold-tags: the poison account’s later events wait, then apply in order after the fix; the ledger equals a fold', async () => {
    const poison: Poison = { amount: 1500, fixed: false };
    const projection = ledger('park_hold', poison, { onError: 'park' });
    const { operator, status } = await workers(projection);
    const before = await applyCounts(db, 'park_hold');
    const positions = await appendDeposits(1000, 2000);
    const existing = (await store.read([{ types: ['MoneyDeposited'] }])).events.length;
    expect(await eventually(async () => (await status()).lagEvents === 0, 30_000)).toBe(true);

    const open = await operator.parked('park_hold');
    const poisonAt = positions.get(1500)!;
    // Deposit 1500 is account a9 (index 1499); a9's later deposits are 1510, 1520, … 2000: 50 held.
    expect(open.filter((p) => p.state === 'parked').map((p) => p.position)).toEqual([poisonAt]);
    const held = open.filter((p) => p.state === 'held');
    expect(held.map((p) => p.position)).toEqual([...positions].filter(([amount]) => amount > 1500 && amount % 10 === 0).map(([, p]) => p));
    expect(held.every((p) => p.tags.includes('account:a9'))).toBe(true);
    expect((await status())).toMatchObject({ parkedEvents: 1, heldEvents: 50 });
    expect((await applyCounts(db, 'park_hold')).applied - before.applied).toBe(existing - 51);

    // New events of the held account keep waiting; other accounts go on.
    const later = await appendDeposits(2000, 2020);
    expect(await eventually(async () => (await status()).lagEvents === 0 && (await status()).heldEvents === 52, 30_000)).toBe(true);

    poison.fixed = true;
    const outcome = await operator.retryParked('park_hold');
    expect(outcome.failed).toEqual([]);
    expect(outcome.applied).toEqual([poisonAt, ...held.map((p) => p.position), later.get(2010)!, later.get(2020)!]);
    expect(await operator.parked('park_hold')).toEqual([]);
    expect(await ledgerLines(db, 'park_hold')).toEqual(await expectedLedger());
    expect((await applyCounts(db, 'park_hold')).maxTimes).toBe(1);
    // After the park is empty, the account's new events flow again.
    await appendDeposits(2020, 2030);
    expect(await eventually(async () => (await ledgerLines(db, 'park_hold')).join() === (await expectedLedger()).join(), 30_000)).toBe(true);
  });

  it('skip: the poison is acknowledged and never applied, the events held behind it apply in order; idempotent; an unknown position is refused', async () => {
    const poison: Poison = { amount: 2035, fixed: false };
    const projection = ledger('park_skip', poison, { onError: 'park' });
    const { operator, status } = await workers(projection);
    const positions = await appendDeposits(2030, 2100);
    expect(await eventually(async () => (await status()).lagEvents === 0 && (await status()).parkedEvents === 1, 30_000)).toBe(true);
    const poisonAt = positions.get(2035)!;
    expect((await status()).heldEvents).toBe(6); // a4: 2045, 2055, … 2095

    await expect(operator.skipParked('park_skip', { position: poisonAt + 100_000n })).rejects.toBeInstanceOf(ParkedEventNotFoundError);
    const skipped = await operator.skipParked('park_skip', { position: poisonAt });
    expect(skipped.applied).toHaveLength(6);
    expect(await operator.skipParked('park_skip', { position: poisonAt })).toEqual({ applied: [], failed: [], remaining: 0 });
    const { rows } = await sql<{ state: string; resolved_by: string }>`SELECT state, resolved_by FROM tally.projection_parked WHERE projection = 'park_skip' AND position = ${poisonAt.toString()}`.execute(db);
    expect(rows).toEqual([{ state: 'skipped', resolved_by: 'operator' }]);
    expect(await ledgerLines(db, 'park_skip')).toEqual(await expectedLedger([poisonAt]));
  });
});

describe("onError: 'stop'", () => {
  it('stops at the poison itself (failedPosition), keeps what came before, and resume continues from the checkpoint after the fix', async () => {
    const poison: Poison = { amount: 2250, fixed: false };
    const projection = ledger('stop_ledger', poison, { onError: 'stop' });
    const { operator, status } = await workers(projection);
    const positions = await appendDeposits(2100, 2400);
    expect(await eventually(async () => (await status()).state === 'failed', 30_000)).toBe(true);
    const failed = await status();
    expect(failed.failedPosition).toBe(positions.get(2250)!);
    expect(failed.lastError).toContain('poison amount 2250');
    // Everything before the poison is applied, once; nothing after it.
    const all = await expectedLedger();
    const poisonIndex = all.findIndex((line) => line.startsWith(`${positions.get(2250)!}:`));
    expect(await ledgerLines(db, 'stop_ledger')).toEqual(all.slice(0, poisonIndex));
    expect(await operator.resume('stop_ledger')).toBe(true);

    // Resumed while still broken: it stops at the same event again.
    expect(await eventually(async () => (await status()).state === 'failed' && (await status()).failedPosition === positions.get(2250), 30_000)).toBe(true);
    poison.fixed = true;
    expect(await operator.resume('stop_ledger')).toBe(true);
    expect(await operator.resume('stop_ledger')).toBe(false);
    expect(await eventually(async () => (await status()).state === 'running' && (await status()).lagEvents === 0, 30_000)).toBe(true);
    expect(await ledgerLines(db, 'stop_ledger')).toEqual(await expectedLedger());
    expect((await applyCounts(db, 'stop_ledger')).maxTimes).toBe(1);
  });
});

describe('parking during a rebuild without downtime', () => {
  it("a build parks into its own park, which replaces the live one at the switch", async () => {
    const v1Poison: Poison = { amount: 2450, fixed: false };
    const v1 = ledger('park_build', v1Poison, { onError: 'park', tables: true });
    const { operator: v1Operator, status } = await workers(v1);
    const positions = await appendDeposits(2400, 2500);
    expect(await eventually(async () => (await status()).lagEvents === 0 && (await status()).parkedEvents === 1, 30_000)).toBe(true);
    expect((await v1Operator.parked('park_build')).map((p) => p.position)).toContain(positions.get(2450)!);

    // Version 2 fails on another event: its build parks that one, apart from the live park, and at the switch its
    // park is the one left (the build met 2450 again and applied it).
    const v2Poison: Poison = { amount: 2460, fixed: false };
    const v2 = ledger('park_build', v2Poison, { onError: 'park', tables: true, version: 2 });
    const worker = createProjector({ store, projections: [v2], connectionString: database.url, workerId: 'v2', batchSize: 100, maxAttempts: 2, retryDelayMs: 10, pollIntervalMs: 100, claimIntervalMs: 200 });
    projectors.push(worker);
    await worker.start();
    expect(await eventually(async () => (await worker.status())[0]!.storedVersion === 2, 60_000)).toBe(true);
    expect(await eventually(async () => (await worker.status())[0]!.lagEvents === 0, 30_000)).toBe(true);
    const open = await worker.parked('park_build');
    expect(open.filter((p) => p.state === 'parked').map((p) => [p.position, p.version])).toEqual([[positions.get(2460)!, 2]]);
    expect(open.every((p) => p.version === 2)).toBe(true);
    v2Poison.fixed = true;
    expect((await worker.retryParked('park_build')).failed).toEqual([]);
    expect(await ledgerLines(db, 'park_build')).toEqual(await expectedLedger());
  });
});
