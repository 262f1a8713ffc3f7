import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, withDatabase, type LocalCluster } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore, type NewEvent } from '../src/index.js';
import type { TestEvent } from './helpers.js';

/**
 * Seals survive a restore into another cluster (`pg_dump -Fc | pg_restore`, then `migrate()`, which moves the
 * store's transaction-id space: `relocate.ts`): the restored events verify against the restored seals and the
 * head recorded on the old cluster, and events appended on the new cluster chain on after them. Fails on a
 * digest that depends on the session (`occurred_at::text` follows the time zone and DateStyle, which the
 * database of cluster A sets and the restored one does not have), or on a sealer that starts over after the
 * move. Two fresh PostgreSQL 15 clusters of this machine's binaries, as in `restore.int.test.ts`.
 */
const binDir = '/usr/lib/postgresql/15/bin';
const deposit = (accountId: string, amount: number): NewEvent<TestEvent> => ({
  type: 'MoneyDeposited',
  data: { accountId, amount },
  tags: [`account:${accountId}`],
  metadata: { correlationId: `r-${amount}` },
});

describe('seals across a restore into another cluster', () => {
  const clusters: LocalCluster[] = [];
  const stores: EventStore<TestEvent>[] = [];
  let dumpDir: string | undefined;
  afterAll(async () => {
    await Promise.allSettled(stores.map((s) => s.close()));
    await Promise.allSettled(clusters.map((c) => c.destroy()));
    if (dumpDir) await rm(dumpDir, { recursive: true, force: true });
  });
  const args = (url: string) => {
    const u = new URL(url);
    return ['-h', u.hostname, '-p', u.port, '-U', 'postgres'];
  };

  it('verifies the restored events against the old head, and chains new events after them', { timeout: 90_000 }, async () => {
    const started = await Promise.allSettled([startLocalCluster({ binDir }), startLocalCluster({ binDir })]);
    for (const s of started) if (s.status === 'fulfilled') clusters.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [a, b] = clusters as [LocalCluster, LocalCluster];
    const admin = new pg.Client({ connectionString: a.url });
    await admin.connect();
    // Cluster A's sessions write timestamps in another time zone than B's default: the digest must not care.
    await admin.query(`CREATE DATABASE app`);
    await admin.query(`ALTER DATABASE app SET timezone TO 'Pacific/Chatham'`);
    await admin.query(`ALTER DATABASE app SET datestyle TO 'SQL, DMY'`);
    await admin.end();
    const urlA = withDatabase(a.url, 'app');
    const storeA = createEventStore<TestEvent>({ connectionString: urlA, maxConnections: 2 });
    stores.push(storeA);
    await storeA.migrate();
    for (let i = 1; i <= 12; i++) await storeA.append([deposit(`a${i % 3}`, i)]);
    const { head: headA } = await storeA.seal();
    expect(headA).toMatch(/^1:/);

    dumpDir = await mkdtemp(join(tmpdir(), 'tally-seal-dump-'));
    const file = join(dumpDir, 'app.dump');
    await a.tool('pg_dump', [...args(a.url), '-Fc', '-f', file, 'app']);
    await b.tool('createdb', [...args(b.url), 'app']);
    await b.tool('pg_restore', [...args(b.url), '--exit-on-error', '-d', 'app', file]);
    const storeB = createEventStore<TestEvent>({ connectionString: withDatabase(b.url, 'app'), maxConnections: 2 });
    stores.push(storeB);
    await storeB.migrate();

    expect(await storeB.verify({ expectedHead: headA! })).toMatchObject({ ok: true, checked: 12, unsealed: 0, head: headA });
    for (let i = 13; i <= 15; i++) await storeB.append([deposit('b', i)]);
    expect(await storeB.verify()).toMatchObject({ ok: true, checked: 12, unsealed: 3 });
    const resealed = await storeB.seal();
    expect(resealed.sealed).toBe(3);
    expect(resealed.head).toMatch(/^2:/);
    expect(await storeB.verify({ expectedHead: headA! })).toMatchObject({ ok: true, checked: 15, unsealed: 0, head: resealed.head });
  });
});
