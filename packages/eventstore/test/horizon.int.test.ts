import { adminQuery, uniqueDatabaseName, withDatabase } from '@tally/test-harness';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, TransactionTooOldError, type EventStore, type SettledCheckpoint } from '../src/index.js';
import { lockHash } from '../src/lock-keys.js';
import { setupStore, type TestEvent } from './helpers.js';

/**
 * The settled horizon (problem 6 of the design; the protocol is written down in docs/concepts.md, "The settled
 * horizon"): followers wait only for transactions that can still add events to this store. Each interleaving of
 * the protocol has its test here; each fails on the naive horizon (`pg_snapshot_xmin` of the cluster) or on a
 * protocol without its re-check.
 */
let ctx: Awaited<ReturnType<typeof setupStore>>;
let db: Kysely<object>;
let store: EventStore<TestEvent>;
const graceMs = 1500;
const start: SettledCheckpoint = { transactionId: 0n, position: 0n };
const opened: pg.Client[] = [];

beforeAll(async () => {
  ctx = await setupStore();
  db = ctx.db;
  store = createEventStore<TestEvent>({ connectionString: ctx.database.url, horizonGraceMs: graceMs });
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.end().catch(() => {})));
  await store.close();
});

async function client(url: string, applicationName = 'tally-horizon-test'): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: applicationName });
  c.on('error', () => {});
  await c.connect();
  opened.push(c);
  return c;
}

/** A session that holds a transaction id and does nothing else (idle in transaction). */
async function idleHolder(url: string, applicationName?: string): Promise<{ client: pg.Client; xid: bigint; end: () => Promise<void> }> {
  const c = await client(url, applicationName);
  await c.query('BEGIN');
  const { rows } = await c.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  return { client: c, xid: BigInt(rows[0]!.xid), end: () => c.query('ROLLBACK').then(() => undefined) };
}

const deposit = (accountId: string, amount = 1) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;

/** Ids of every settled event after `after` (one page is enough here). */
async function settledIds(after: SettledCheckpoint = start): Promise<string[]> {
  const { events } = await store.readSettled(undefined, { after, limit: 10_000 });
  return events.map((e) => e.id);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the settled horizon waits only for writers that can still add events to this store', () => {
  it('ignores a transaction idle for as long as it likes in another database of the server', async () => {
    const other = uniqueDatabaseName('tally_other');
    await adminQuery(ctx.database.adminUrl, `CREATE DATABASE ${other}`);
    try {
      const stranger = await idleHolder(withDatabase(ctx.database.adminUrl, other), 'stranger');
      const { positions } = await store.append([deposit('other-db')]);
      const { events } = await store.read([{ tags: ['account:other-db'] }]);
      // The naive horizon (the cluster's oldest running transaction) is below the stranger: nothing would settle.
      expect(stranger.xid).toBeLessThan(events[0]!.transactionId);
      expect(await settledIds()).toContain(events[0]!.id);
      const { blockers } = await store.horizon();
      expect(blockers.filter((b) => b.transactionId === stranger.xid)).toEqual([]);
      expect(positions).toHaveLength(1);
      await stranger.end();
    } finally {
      await adminQuery(ctx.database.adminUrl, `DROP DATABASE IF EXISTS ${other} WITH (FORCE)`);
    }
  });

  it('waits at most horizonGraceMs for a transaction of this database that has not appended, names it meanwhile, then refuses its late append', async () => {
    let holderXid = 0n;
    let refusal: unknown;
    let waitedForIt = false;
    let passedAfterMs = 0;
    await db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ xid: string }>`SELECT pg_current_xact_id()::text AS xid`.execute(trx);
      holderXid = BigInt(rows[0]!.xid);
      const began = performance.now();
      const { positions } = await store.append([deposit('grace')]);
      const id = (await store.read([{ tags: ['account:grace'] }])).events[0]!.id;
      // Within the grace: the event is committed but not settled, and the holder is named.
      expect(await settledIds()).not.toContain(id);
      const { blockers, settled } = await store.horizon();
      const holder = blockers.find((b) => b.transactionId === holderXid);
      expect(holder).toMatchObject({ reason: 'within-grace', state: 'idle in transaction', database: ctx.database.name });
      expect(holder!.pid).toEqual(expect.any(Number));
      expect(settled.transactionId).toBeLessThanOrEqual(holderXid);
      waitedForIt = true;
      // Past the grace: followers move on without it.
      for (;;) {
        if ((await settledIds()).includes(id)) break;
        if (performance.now() - began > graceMs * 4) throw new Error('the event never settled');
        await sleep(100);
      }
      passedAfterMs = performance.now() - began;
      expect(positions).toHaveLength(1);
      // Its append now would be delivered behind followers that have passed it: refused, nothing written.
      refusal = await store
        .with(trx)
        .append([deposit('too-late')])
        .catch((error: unknown) => error);
    }).catch(() => {}); // the refusal aborted the transaction
    expect(waitedForIt).toBe(true);
    expect(passedAfterMs).toBeGreaterThanOrEqual(graceMs - 50);
    expect(refusal).toBeInstanceOf(TransactionTooOldError);
    expect(refusal).toMatchObject({ code: 'TRANSACTION_TOO_OLD' });
    expect((await store.read([{ tags: ['account:too-late'] }])).events).toEqual([]);
  });

  it('holds followers for a transaction that has appended until it ends, past the grace, then delivers its events once', async () => {
    const before = (await store.settledCheckpoint());
    let later = '';
    await db.transaction().execute(async (trx) => {
      await store.with(trx).append([deposit('appender')]);
      await store.append([deposit('after-appender')]);
      later = (await store.read([{ tags: ['account:after-appender'] }])).events[0]!.id;
      await sleep(graceMs + 300);
      expect(await settledIds(before)).toEqual([]);
      const { blockers } = await store.horizon();
      expect(blockers.map((b) => b.reason)).toContain('appending');
    });
    const ids = await settledIds(before);
    const own = (await store.read([{ tags: ['account:appender'] }])).events[0]!.id;
    expect(ids).toEqual([own, later]);
  });

  it('never waits for a transaction that declared it does not append (a projector batch), and refuses its append', async () => {
    const patient = createEventStore<TestEvent>({ connectionString: ctx.database.url, horizonGraceMs: 600_000 });
    try {
      const before = await patient.settledCheckpoint();
      let refusal: unknown;
      await db.transaction().execute(async (trx) => {
        await patient.with(trx).declareNoAppend();
        await sql`SELECT pg_current_xact_id()`.execute(trx);
        await patient.append([deposit('beside-batch')]);
        const { events } = await patient.readSettled(undefined, { after: before, limit: 100 });
        expect(events.map((e) => e.tags)).toEqual([['account:beside-batch']]);
        refusal = await patient.with(trx).append([deposit('from-batch')]).catch((error: unknown) => error);
      }).catch(() => {});
      expect(refusal).toBeInstanceOf(TransactionTooOldError);
      expect((await patient.read([{ tags: ['account:from-batch'] }])).events).toEqual([]);
    } finally {
      await patient.close();
    }
  });

  it('re-checks after publishing its mark: an append that slipped in between is waited for, not skipped', async () => {
    // The follower is held right before it raises the mark (another session holds the mark's lock); meanwhile the
    // transaction it decided to pass appends (the old mark lets it) and stays open. The re-check must see its lock.
    const markKey = lockHash('tally', 'horizon-mark').toString();
    const gate = await client(ctx.database.url, 'gate');
    const before = await store.settledCheckpoint();
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_current_xact_id()`.execute(trx);
      await sleep(graceMs + 100); // past the grace, no lock: the follower will pass it
      await store.append([deposit('settles-around')]);
      await gate.query('BEGIN');
      await gate.query('SELECT pg_advisory_xact_lock($1::bigint)', [markKey]);
      const follower = store.readSettled(undefined, { after: before, limit: 100 });
      // Wait until the follower is blocked on the gate, i.e. it has classified and decided to pass.
      for (let i = 0; ; i++) {
        const { rows } = await gate.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        );
        if (rows[0]!.n > 0) break;
        if (i > 200) throw new Error('the follower never reached the mark');
        await sleep(20);
      }
      await store.with(trx).append([deposit('slipped-in')]); // reads the old mark: allowed
      await gate.query('COMMIT');
      const { events } = await follower;
      expect(events.map((e) => e.tags[0])).not.toContain('account:slipped-in');
      expect(events.map((e) => e.tags[0])).not.toContain('account:settles-around'); // it is above the holder
    });
    const ids = (await store.readSettled(undefined, { after: before, limit: 100 })).events.map((e) => e.tags[0]);
    expect(ids).toEqual(['account:slipped-in', 'account:settles-around']);
  });
});
