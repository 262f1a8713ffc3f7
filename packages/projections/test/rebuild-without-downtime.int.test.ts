import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createProjector, defineProjection, type Projection, type Projector } from '../src/index.js';
import { balanceLines, balanceProjection, foldBalances, plain, readBalances, type BankEvent, type ReadDb } from './fixtures/bank.js';
import { appendContinuously, eventually, setupDatabase, sleep, spawnWorker } from './helpers.js';

const { database, store, db } = await setupDatabase();
const accounts = 1000;
const seeded = 100_000;

// 100k events over `accounts` accounts, appended 1000 at a time; every account has events.
for (let batch = 0; batch < seeded / 1000; batch++) {
  await store.append(
    Array.from({ length: 1000 }, (_, i): BankEvent => {
      const accountId = `a${(batch * 1000 + i) % accounts}`;
      return i % 4 === 3 ? { type: 'MoneyWithdrawn', data: { accountId, amount: 1 + (i % 50) } } : { type: 'MoneyDeposited', data: { accountId, amount: 1 + (i % 300) } };
    }),
  );
}

/** Readers' own connections, as an application's would be. */
const readerPool = new pg.Pool({ connectionString: database.url, max: 2 });
readerPool.on('error', () => {});
afterAll(() => readerPool.end());

/**
 * Balances per account into `table`, each row stamped with the version that wrote it: v1 and v2 differ only in
 * that stamp, so a reader can tell whose rows it sees, and a mix of both.
 */
function stampedBalances(name: string, table: string, version: number): Projection<BankEvent, ReadDb> {
  return defineProjection<BankEvent, ReadDb>()({
    name,
    version,
    tables: [table],
    query: [{ types: ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn'] }],
    setup: async (db) => {
      await sql`CREATE TABLE IF NOT EXISTS ${sql.id(table)} (account_id text PRIMARY KEY, balance bigint NOT NULL, events integer NOT NULL, version integer NOT NULL)`.execute(db);
      await sql`CREATE INDEX IF NOT EXISTS ${sql.id(`${table}_by_balance`)} ON ${sql.id(table)} (balance)`.execute(db);
    },
    reset: async (trx) => {
      await sql`DELETE FROM ${sql.id(table)}`.execute(trx);
    },
    handle: async (events, trx) => {
      const deltas = new Map<string, { amount: bigint; events: number }>();
      for (const event of events) {
        const amount = event.type === 'MoneyDeposited' ? BigInt(event.data.amount) : event.type === 'MoneyWithdrawn' ? -BigInt(event.data.amount) : 0n;
        const d = deltas.get(event.data.accountId) ?? { amount: 0n, events: 0 };
        deltas.set(event.data.accountId, { amount: d.amount + amount, events: d.events + 1 });
      }
      const ids = [...deltas.keys()];
      await sql`
        INSERT INTO ${sql.id(table)} AS t (account_id, balance, events, version)
        SELECT *, ${version}::int FROM unnest(${ids}::text[], ${ids.map((id) => deltas.get(id)!.amount.toString())}::bigint[], ${ids.map((id) => deltas.get(id)!.events)}::int[])
        ON CONFLICT (account_id) DO UPDATE SET balance = t.balance + excluded.balance, events = t.events + excluded.events, version = excluded.version`.execute(trx);
    },
  });
}

function projector(projections: Projection<BankEvent, ReadDb>[], batchSize = 1000): Projector {
  return createProjector({ store, projections, connectionString: database.url, batchSize, pollIntervalMs: 100, claimIntervalMs: 200, retryDelayMs: 20 });
}

interface Sample {
  readonly rows: number;
  readonly versions: number[];
}

/** A reader querying `table` in a loop (own connection, autocommit statements) until stopped. */
function pollReader(table: string): { samples: Sample[]; stop: () => Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const { rows } = await readerPool.query<{ rows: number; versions: number[] }>(
        `SELECT count(*)::int AS rows, coalesce(array_agg(DISTINCT version ORDER BY version), '{}') AS versions FROM ${pg.escapeIdentifier(table)}`,
      );
      samples.push(rows[0]!);
      await sleep(2);
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

async function expectFold(table: string): Promise<void> {
  const { events } = await store.read();
  expect(balanceLines(await readBalances(db as Kysely<unknown>, table))).toEqual(balanceLines(foldBalances(plain(events))));
}

async function versionsIn(table: string): Promise<number[]> {
  const { rows } = await sql<{ version: number }>`SELECT DISTINCT version FROM ${sql.id(table)} ORDER BY 1`.execute(db);
  return rows.map((row) => row.version);
}

/** Waits until the live version is `version` and no build is left; returns how often a build was seen meanwhile. */
async function switched(worker: Projector, name: string, version: number, timeoutMs = 90_000): Promise<number> {
  let buildsSeen = 0;
  const done = await eventually(async () => {
    const status = (await worker.status()).find((s) => s.name === name)!;
    if (status.build) buildsSeen += 1;
    return status.storedVersion === version && status.build === null;
  }, timeoutMs, 20);
  expect(done).toBe(true);
  return buildsSeen;
}

describe('rebuild without downtime (projections with tables)', () => {
  it('a reader polling during a version-bump rebuild of 100k events never sees fewer rows than before, nor a mix, and sees v2 right after the switch', async () => {
    const v1 = projector([stampedBalances('stamped', 'stamped_accounts', 1)]);
    await v1.start();
    await v1.waitForCatchUp({ timeoutMs: 60_000 });
    await v1.stop();
    const { rows: before } = await readerPool.query<{ n: number }>('SELECT count(*)::int AS n FROM stamped_accounts');
    expect(before[0]!.n).toBe(accounts);

    const reader = pollReader('stamped_accounts');
    const v2 = projector([stampedBalances('stamped', 'stamped_accounts', 2)]);
    await v2.start();
    const buildsSeen = await switched(v2, 'stamped', 2);
    // Right after status says version 2 is live, a reader sees version 2's rows, all of them.
    const { rows: after } = await readerPool.query<{ n: number; versions: number[] }>('SELECT count(*)::int AS n, array_agg(DISTINCT version) AS versions FROM stamped_accounts');
    const samples = await reader.stop();
    expect(samples.length).toBeGreaterThan(20);
    const fewer = samples.filter((s) => s.rows < accounts);
    const mixed = samples.filter((s) => s.versions.length !== 1);
    expect({ fewer: fewer.length, mixed: mixed.length }).toEqual({ fewer: 0, mixed: 0 });
    expect(after[0]).toEqual({ n: accounts, versions: [2] });
    expect(buildsSeen).toBeGreaterThan(0);
    // The reader saw the old version during the build, then the new one.
    expect(samples[0]!.versions).toEqual([1]);
    expect(samples.at(-1)!.versions).toEqual([2]);
    await expectFold('stamped_accounts');
    // The index moved with the table; the build's schema is gone.
    const { rows: indexes } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_indexes WHERE tablename = 'stamped_accounts' AND schemaname = 'public'`.execute(db);
    expect(indexes[0]!.n).toBe(2);
    const { rows: schemas } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname LIKE 'tally\\_build\\_%'`.execute(db);
    expect(schemas[0]!.n).toBe(0);
    await v2.stop();
  });

  it('rolling deploy: the v1 worker keeps the live table up to date while a v2 worker builds, and stops running it after the switch', async () => {
    // Another projection, unchanged, that workers of both versions can run: it is first in the fair share.
    const other = balanceProjection('rolling-other', 'rolling_other');
    const v1 = projector([other, stampedBalances('rolling', 'rolling_accounts', 1)]);
    await v1.start();
    await v1.waitForCatchUp({ timeoutMs: 60_000 });
    const appender = appendContinuously(store, accounts, 2, 20);
    // Small batches: the build takes a while, with events arriving all along.
    const v2 = projector([other, stampedBalances('rolling', 'rolling_accounts', 2)], 200);
    await v2.start();
    const rolling = async () => (await v2.status()).find((s) => s.name === 'rolling')!;
    expect(await eventually(async () => (await rolling()).build?.state === 'building', 10_000, 20)).toBe(true);
    // Meanwhile the old version serves, and keeps up: events appended during the build reach the live table
    // (the v1 worker keeps it beyond its fair share, since no v2 worker can run it).
    await sleep(1000);
    await v1.waitForCatchUp({ timeoutMs: 10_000 });
    const during = await rolling();
    expect(during.build).toMatchObject({ version: 2, state: 'building' });
    expect(during.storedVersion).toBe(1);
    expect(v1.owned()).toContain('rolling');
    expect(v2.owned()).not.toContain('rolling');
    expect(await versionsIn('rolling_accounts')).toEqual([1]);

    await switched(v2, 'rolling', 2);
    expect(await versionsIn('rolling_accounts')).toEqual([2]);
    // The old worker sees a live version newer than its own and lets go; the new one takes the live table over.
    expect(await eventually(async () => !v1.owned().includes('rolling') && v2.owned().includes('rolling'), 10_000)).toBe(true);
    await appender.stop();
    await v2.waitForCatchUp({ timeoutMs: 30_000 });
    await expectFold('rolling_accounts');
    expect(await versionsIn('rolling_accounts')).toEqual([2]);
    await v1.stop();
    await v2.stop();
  });

  it('rebuild(name) at the same version builds beside the live table, which keeps serving until the switch', async () => {
    const worker = projector([stampedBalances('same', 'same_accounts', 1)]);
    await worker.start();
    await worker.waitForCatchUp({ timeoutMs: 60_000 });
    // Damage the live rows (all still there): only a build from the start repairs them.
    await sql`UPDATE same_accounts SET balance = 0`.execute(db);
    const reader = pollReader('same_accounts');
    await worker.rebuild('same');
    expect((await worker.status())[0]!.build).toMatchObject({ version: 1, state: expect.stringMatching(/^(new|building)$/) });
    await switched(worker, 'same', 1);
    const samples = await reader.stop();
    expect(samples.filter((s) => s.rows < accounts)).toEqual([]);
    await worker.waitForCatchUp({ timeoutMs: 30_000 });
    await expectFold('same_accounts');
    expect(worker.owned()).toEqual(['same']);
    await worker.stop();
  });

  it('a switch that cannot be made rolls back entirely: the old version keeps serving, and status() says why', async () => {
    const v1 = projector([stampedBalances('refused', 'refused_accounts', 1)]);
    await v1.start();
    await v1.waitForCatchUp({ timeoutMs: 60_000 });
    // Version 2's setup creates a table it does not list in `tables`: the build must not switch.
    const v2Definition = stampedBalances('refused', 'refused_accounts', 2);
    const v2 = projector([
      {
        ...v2Definition,
        setup: async (db: Kysely<ReadDb>) => {
          await v2Definition.setup(db);
          await sql`CREATE TABLE IF NOT EXISTS refused_extra (id int)`.execute(db);
        },
      },
    ]);
    await v2.start();
    const failedSwitch = async () => (await v2.status())[0]!.build?.lastError ?? '';
    expect(await eventually(async () => (await failedSwitch()).includes('switch failed'), 60_000, 50)).toBe(true);
    expect(await failedSwitch()).toContain('refused_extra, not in tables');
    const [status] = await v2.status();
    expect(status).toMatchObject({ storedVersion: 1, build: { version: 2, state: 'building' } });
    // Nothing of the switch was kept: the live table is version 1's, whole, and the build's tables are where they were.
    expect(await versionsIn('refused_accounts')).toEqual([1]);
    await expectFold('refused_accounts');
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = ${status!.build!.schema}`.execute(db);
    expect(rows[0]!.n).toBe(2);
    await v1.stop();
    await v2.stop();
  });

  it('a build worker killed mid-build resumes from its own checkpoint, and the result equals a fold', async () => {
    const v1 = projector([balanceProjection('killed', 'killed_balances', { withTables: true })]);
    await v1.start();
    await v1.waitForCatchUp({ timeoutMs: 60_000 });
    await v1.stop();
    const env = { PROJECTIONS: 'killed:killed_balances', VERSION: '2', TABLES: '1', BATCH_SIZE: '500' };
    const buildRow = async () => {
      // The checkpoint is a (transaction id, position) pair, in that order ((horizon, 0) once caught up).
      const { rows } = await sql<{ transaction_id: string; position: string; started_at: Date; schema_oid: number | null }>`
        SELECT b.transaction_id::text AS transaction_id, b.position::text AS position, b.started_at, (SELECT oid::int FROM pg_namespace WHERE nspname = b.build_schema) AS schema_oid
          FROM tally.projection_builds b WHERE b.name = 'killed'`.execute(db);
      return rows[0];
    };
    const first = spawnWorker(database.url, 'killed-a', env);
    await first.ready;
    expect(await eventually(async () => BigInt((await buildRow())?.position ?? '0') > 20_000n, 60_000, 20)).toBe(true);
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = (await buildRow())!;
    expect(BigInt(atKill.position)).toBeGreaterThan(20_000n);
    // The live table was left alone (version 1 still serves it).
    const { rows: live } = await sql<{ version: number }>`SELECT version FROM tally.projection_checkpoints WHERE name = 'killed'`.execute(db);
    expect(live[0]!.version).toBe(1);

    const second = spawnWorker(database.url, 'killed-b', env);
    await second.ready;
    // It resumes: same build (same schema, same start), never back below where the first one got to.
    for (;;) {
      const row = await buildRow();
      if (!row) break;
      expect(BigInt(row.transaction_id)).toBeGreaterThanOrEqual(BigInt(atKill.transaction_id));
      if (row.transaction_id === atKill.transaction_id) expect(BigInt(row.position)).toBeGreaterThanOrEqual(BigInt(atKill.position));
      expect(row.schema_oid).toBe(atKill.schema_oid);
      expect(row.started_at).toEqual(atKill.started_at);
      await sleep(20);
    }
    const { rows: after } = await sql<{ version: number }>`SELECT version FROM tally.projection_checkpoints WHERE name = 'killed'`.execute(db);
    expect(after[0]!.version).toBe(2);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    await expectFold('killed_balances');
  });
});
