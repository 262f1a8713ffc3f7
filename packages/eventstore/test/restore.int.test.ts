import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, withDatabase, type LocalCluster } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AppendConditionError,
  createEventStore,
  InvalidQueryError,
  type EventStore,
  type Head,
  type NewEvent,
  type SettledCheckpoint,
  type StoredEvent,
} from '../src/index.js';
import type { TestEvent } from './helpers.js';

/**
 * Issue 11 item 6: a store dumped with `pg_dump` and restored with `pg_restore` into a fresh cluster carries
 * transaction ids above that cluster's counter. `migrate()` detects the move (`schema/relocate.ts`) and makes the
 * store whole: restored events settle for followers in their order, new events sort after them and after
 * restored checkpoints, and conditions stay exact (old heads refused).
 *
 * Two (then three) fresh PostgreSQL 15 clusters of this machine's binaries, whatever server the rest of the suite
 * runs on: pg_dump 15 cannot dump a newer server. Missing binaries fail the test (CI machines have them).
 */
const binDir = '/usr/lib/postgresql/15/bin';
const database = 'app';

type Ev = StoredEvent<TestEvent>;
const start: SettledCheckpoint = { transactionId: 0n, position: 0n };
const comparable = (e: Ev) => ({ transactionId: e.transactionId, position: e.position, id: e.id, type: e.type, data: e.data, tags: e.tags });
const key = (e: Ev) => `${e.transactionId}/${e.position}`;

const opened = (accountId: string): NewEvent<TestEvent> => ({
  type: 'AccountOpened',
  data: { accountId, customerName: `customer ${accountId}`, currency: 'EUR' },
  tags: [`account:${accountId}`],
});
const deposit = (accountId: string, amount: number): NewEvent<TestEvent> => ({
  type: 'MoneyDeposited',
  data: { accountId, amount },
  tags: [`account:${accountId}`],
});
const withdrawal = (accountId: string, amount: number): NewEvent<TestEvent> => ({
  type: 'MoneyWithdrawn',
  data: { accountId, amount },
  tags: [`account:${accountId}`],
});
const transfer = (from: string, to: string, amount: number): NewEvent<TestEvent> => ({
  type: 'MoneyTransferred',
  data: { from, to, amount },
  tags: [`account:${from}`, `account:${to}`],
});

/** Every settled event from `after` on, `limit` at a time, and the checkpoint the last (empty) page returned. */
async function drain(store: EventStore<TestEvent>, after: SettledCheckpoint, limit = 100): Promise<{ events: Ev[]; checkpoint: SettledCheckpoint }> {
  const events: Ev[] = [];
  let checkpoint = after;
  for (let pages = 0; ; pages++) {
    if (pages > 1000) throw new Error('drain: no end');
    const page = await store.readSettled(undefined, { after: checkpoint, limit });
    events.push(...(page.events as Ev[]));
    checkpoint = page.checkpoint;
    if (page.events.length < limit) return { events, checkpoint };
  }
}

/** `(transactionId, position)` strictly increasing: the settled order, each event once. */
function expectSettledOrder(events: readonly Ev[]): void {
  for (let i = 1; i < events.length; i++) {
    const [a, b] = [events[i - 1]!, events[i]!];
    expect(a.transactionId < b.transactionId || (a.transactionId === b.transactionId && a.position < b.position), `${key(a)} before ${key(b)}`).toBe(true);
  }
  expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
}

describe('restore into another cluster (pg_dump -Fc | pg_restore, PostgreSQL 15)', () => {
  const clusters: LocalCluster[] = [];
  const stores: EventStore<TestEvent>[] = [];
  const clients: pg.Client[] = [];
  let dumpDir: string | undefined;

  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await Promise.allSettled(clients.map((c) => c.end()));
    await Promise.allSettled(clusters.map((c) => c.destroy()));
    if (dumpDir) await rm(dumpDir, { recursive: true, force: true });
  });

  const storeOn = (url: string) => {
    const store = createEventStore<TestEvent>({ connectionString: url, maxConnections: 4 });
    stores.push(store);
    return store;
  };
  const clientOn = async (url: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    return client;
  };
  const one = async <T>(client: pg.Client, text: string): Promise<T> => (await client.query(text)).rows[0] as T;
  const count = async (client: pg.Client) => Number((await one<{ n: string }>(client, 'SELECT count(*) AS n FROM tally.events')).n);
  const identity = (client: pg.Client) =>
    one<{ xid_offset: string; store_id: string; secret: Buffer; system_identifier: string; database_oid: number; relocated_at: Date | null }>(
      client,
      'SELECT xid_offset::text, store_id::text, secret, system_identifier, database_oid, relocated_at FROM tally.store_identity',
    );
  const connection = (url: string) => {
    const u = new URL(url);
    return ['-h', u.hostname, '-p', u.port, '-U', 'postgres'];
  };
  /** `pg_dump -Fc` of `from`'s database `db`, `createdb` on `to`, `pg_restore` into it: the documented procedure. */
  const dumpAndRestore = async (from: LocalCluster, db: string, to: LocalCluster, into: string) => {
    dumpDir ??= await mkdtemp(join(tmpdir(), 'tally-dump-'));
    const file = join(dumpDir, `${db}-${from.port}.dump`);
    await from.tool('pg_dump', [...connection(from.url), '-Fc', '-f', file, db]);
    await to.tool('createdb', [...connection(to.url), into]);
    await to.tool('pg_restore', [...connection(to.url), '--exit-on-error', '-d', into, file]);
    return withDatabase(to.url, into);
  };

  it('delivers every restored event from the start, orders new ones after them, keeps conditions exact', { timeout: 90_000 }, async () => {
    // --- Two fresh clusters (the test fails here, with the path, when the binaries are missing).
    const started = await Promise.allSettled([startLocalCluster({ binDir }), startLocalCluster({ binDir })]);
    for (const s of started) if (s.status === 'fulfilled') clusters.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [a, b] = clusters as [LocalCluster, LocalCluster];
    await (await clientOn(a.url)).query(`CREATE DATABASE ${database}`);
    const urlA = withDatabase(a.url, database);

    // --- 1. Cluster A: a store far along in transaction ids, 10 events, a consumer's checkpoint and a head.
    const storeA = storeOn(urlA);
    await storeA.migrate();
    const sqlA = await clientOn(urlA);
    for (let i = 0; i < 3000; i++) await sqlA.query('SELECT pg_current_xact_id()'); // one transaction id each
    const batches: NewEvent<TestEvent>[][] = [
      [opened('a1')],
      [opened('a2')],
      [deposit('a1', 100), deposit('a1', 50)],
      [withdrawal('a1', 30)],
      [deposit('a2', 70)],
      [transfer('a1', 'a2', 20)],
      [withdrawal('a2', 10), deposit('a2', 5)],
      [deposit('a1', 1)],
    ];
    for (const batch of batches) await storeA.append(batch);
    const onA = await storeA.readSettled(undefined, { after: start, limit: 100 });
    const eventsA = onA.events as Ev[];
    expect(eventsA).toHaveLength(10);
    expectSettledOrder(eventsA);
    const cpA = onA.checkpoint;
    const maxA = eventsA.reduce((m, e) => (e.transactionId > m ? e.transactionId : m), 0n);
    expect(maxA).toBeGreaterThan(3000n);
    expect(cpA.transactionId).toBeGreaterThan(maxA); // capped past the highest settled id (read-settled.ts)
    const hA = (await storeA.read([{ tags: ['account:a1'] }])).head;
    // A follower on A passes a transaction that holds an id without appending (grace 0): the horizon mark, in
    // A's ids, is raised far above the last event; restored as it is, it would refuse every append on B.
    const idle = await clientOn(urlA);
    await idle.query('BEGIN');
    await idle.query('SELECT pg_current_xact_id()');
    for (let i = 0; i < 500; i++) await sqlA.query('SELECT pg_current_xact_id()');
    const follower = createEventStore<TestEvent>({ connectionString: urlA, maxConnections: 1, horizonGraceMs: 0 });
    stores.push(follower);
    const passed = await follower.horizon();
    expect(passed.blockers).toEqual([]);
    await idle.query('ROLLBACK');
    const markA = BigInt((await one<{ m: string }>(sqlA, 'SELECT last_value::text AS m FROM tally.horizon_mark')).m);
    expect(markA).toBeGreaterThan(maxA + 400n);

    // --- 2. Dump A, restore into B: before migrate() the restored events are above B's counter and invisible.
    const urlB = await dumpAndRestore(a, database, b, database);
    const sqlB = await clientOn(urlB);
    expect(await count(sqlB)).toBe(10);
    const xidB = BigInt((await one<{ x: string }>(sqlB, 'SELECT pg_current_xact_id()::text AS x')).x);
    expect(xidB, "B's counter is below the restored ids").toBeLessThan(maxA);
    const identityBefore = await identity(sqlB);
    const systemB = (await one<{ s: string }>(sqlB, 'SELECT system_identifier::text AS s FROM pg_control_system()')).s;
    expect(identityBefore.system_identifier, 'store_identity still names cluster A').not.toBe(systemB);
    expect(identityBefore.xid_offset).toBe('0');
    expect((await one<{ m: string }>(sqlB, 'SELECT last_value::text AS m FROM tally.horizon_mark')).m).toBe(markA.toString());

    const storeB = storeOn(urlB);
    const unmigrated = await storeB.readSettled(undefined, { after: start, limit: 100 });
    expect(unmigrated.events, 'without migrate() the restored events never settle (the issue)').toHaveLength(0);
    const hBeforeMigrate = (await storeB.read([{ tags: ['account:a1'] }])).head; // signed with A's secret, B's raw ids

    // --- 3. migrate() on B: the restored events settle, in A's order, once; new ones come after them.
    await storeB.migrate();
    const identityB = await identity(sqlB);
    expect(identityB.system_identifier).toBe(systemB);
    expect(identityB.relocated_at).not.toBeNull();
    expect(identityB.store_id).not.toBe(identityBefore.store_id);
    expect(identityB.secret.equals(identityBefore.secret)).toBe(false);
    const offsetB = BigInt(identityB.xid_offset);
    expect(offsetB).toBeGreaterThan(0n);
    expect(BigInt((await one<{ x: string }>(sqlB, 'SELECT pg_current_xact_id()::text AS x')).x) + offsetB).toBeGreaterThan(maxA);

    const restored = await storeB.readSettled(undefined, { after: start, limit: 100 });
    expect((restored.events as Ev[]).map(comparable)).toEqual(eventsA.map(comparable));
    expect(restored.checkpoint).toEqual(cpA);
    const paged = await drain(storeB, start, 3); // pages of 3: the checkpoints between pages lose nothing
    expect(paged.events.map(comparable)).toEqual(eventsA.map(comparable));

    const newOnB: NewEvent<TestEvent>[][] = [[deposit('a1', 7)], [withdrawal('a2', 3), deposit('a3', 9)], [transfer('a2', 'a1', 2)]];
    for (const batch of newOnB) await storeB.append(batch); // not refused by A's horizon mark (migrate() reset it)
    const fromCpA = await drain(storeB, cpA);
    expect(fromCpA.events.map((e) => e.data), 'from the restored checkpoint: exactly the new events').toEqual(newOnB.flat().map((e) => e.data));
    expect(fromCpA.events.every((e) => e.transactionId > maxA)).toBe(true);
    const all = await drain(storeB, start);
    expect(all.events).toHaveLength(14);
    expectSettledOrder(all.events);
    expect(all.events.slice(0, 10).map(comparable)).toEqual(eventsA.map(comparable));
    expect(all.events.slice(10).map((e) => e.id)).toEqual(fromCpA.events.map((e) => e.id));

    // --- 4. Conditions on B are exact.
    const a1 = [{ tags: ['account:a1'] }] as const;
    for (const [name, head] of [
      ['head of cluster A', hA],
      ['head taken on B before migrate()', hBeforeMigrate],
    ] as const) {
      const before = await count(sqlB);
      const refused = await storeB.append([withdrawal('a1', 1)], { condition: { query: a1, after: head } }).catch((e: unknown) => e);
      expect(refused, name).toBeInstanceOf(InvalidQueryError);
      expect((refused as InvalidQueryError).code, name).toBe('INVALID_HEAD');
      expect(await count(sqlB), `${name}: nothing written`).toBe(before);
    }

    // A fresh head sees the restored events (and B's): the guarded append succeeds.
    const read = await storeB.read(a1);
    expect(read.events.length).toBeGreaterThan(0);
    const first = await storeB.append([withdrawal('a1', 4)], { condition: { query: a1, after: read.head } });
    expect(first.head).toBeDefined();
    // The head it returned covers the read and that append: guarding with it succeeds while nothing else matched.
    const second = await storeB.append([withdrawal('a1', 5)], { condition: { query: a1, after: first.head! } });
    // Another writer appends a matching event: both older heads now fail, and write nothing.
    await storeB.append([deposit('a1', 6)]);
    for (const head of [read.head, second.head!]) {
      const before = await count(sqlB);
      await expect(storeB.append([withdrawal('a1', 8)], { condition: { query: a1, after: head } })).rejects.toBeInstanceOf(AppendConditionError);
      expect(await count(sqlB)).toBe(before);
    }
    // Untagged item (the recent-transactions scan): restored withdrawals are seen by a fresh head.
    const withdrawals = [{ types: ['MoneyWithdrawn'] }] as const;
    const readW = await storeB.read(withdrawals);
    expect(readW.events.filter((e) => e.transactionId <= maxA)).toHaveLength(2);
    await storeB.append([withdrawal('a2', 1)], { condition: { query: withdrawals, after: readW.head } });
    // No head: a restored event matching the query counts.
    const before = await count(sqlB);
    await expect(storeB.append([opened('a2')], { condition: { query: [{ types: ['AccountOpened'], tags: ['account:a2'] }] } })).rejects.toBeInstanceOf(
      AppendConditionError,
    );
    expect(await count(sqlB)).toBe(before);

    // --- 5. migrate() again is a no-op; a restore of B's dump into another database (on A) works the same way.
    const headBeforeRemigrate = (await storeB.read(a1)).head;
    await storeB.migrate();
    const again = await identity(sqlB);
    expect(again.xid_offset).toBe(identityB.xid_offset);
    expect(again.store_id).toBe(identityB.store_id);
    expect(again.secret.equals(identityB.secret)).toBe(true);
    await storeB.append([deposit('a1', 11)], { condition: { query: a1, after: headBeforeRemigrate } }); // heads survive it
    const { events: eventsB, checkpoint: cpB } = await drain(storeB, start);
    expect(eventsB).toHaveLength(19);

    const urlA2 = await dumpAndRestore(b, database, a, 'app_again');
    const sqlA2 = await clientOn(urlA2);
    const storeA2 = storeOn(urlA2);
    await storeA2.migrate();
    const identityA2 = await identity(sqlA2);
    expect(identityA2.relocated_at!.getTime()).toBeGreaterThan(identityB.relocated_at!.getTime());
    expect(identityA2.store_id).not.toBe(identityB.store_id);
    expect(BigInt(identityA2.xid_offset)).toBeGreaterThanOrEqual(offsetB);
    expect((await drain(storeA2, start)).events.map(comparable)).toEqual(eventsB.map(comparable));
    await storeA2.append([deposit('a2', 12)]);
    const fromCpB = await drain(storeA2, cpB);
    expect(fromCpB.events.map((e) => e.data)).toEqual([{ accountId: 'a2', amount: 12 }]);
    const maxB = eventsB.reduce((m, e) => (e.transactionId > m ? e.transactionId : m), 0n);
    expect(fromCpB.events[0]!.transactionId).toBeGreaterThan(maxB);
    const allA2 = (await drain(storeA2, start)).events;
    expect(allA2).toHaveLength(20);
    expectSettledOrder(allA2);
    const refusedOnA2 = await storeA2
      .append([withdrawal('a1', 1)], { condition: { query: a1, after: headBeforeRemigrate as Head } })
      .catch((e: unknown) => e);
    expect((refusedOnA2 as InvalidQueryError).code).toBe('INVALID_HEAD');
  });
});
