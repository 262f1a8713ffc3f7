import os from 'node:os';
import pg from 'pg';
import { acquireTestServer, adminQuery, uniqueDatabaseName, withDatabase, type Backend } from '@tally/test-harness';

export interface BenchDatabase {
  readonly backend: Backend;
  readonly name: string;
  readonly url: string;
  /** Drops the database (closing leftover connections) and stops a server the run started. */
  drop(): Promise<void>;
}


/** A fresh `tally_bench_<random>` database on `DATABASE_URL`'s server, else on the test harness's server. */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const server = await acquireTestServer();
  const name = uniqueDatabaseName('tally_bench');
  try {
    await adminQuery(server.adminUrl, `CREATE DATABASE ${name}`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  let dropped = false;
  return {
    backend: server.backend,
    name,
    url: withDatabase(server.adminUrl, name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      try {
        await adminQuery(server.adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await server.stop();
      }
    },
  };
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryGiB: number;
  readonly node: string;
  readonly postgres: string;
  readonly settings: Readonly<Record<string, string>>;
  readonly backend: Backend;
  /** 1, 5 and 15 minute load averages when the run started (other work on a shared machine shows here). */
  readonly loadAverage: readonly number[];
}

const settingNames = [
  'fsync',
  'synchronous_commit',
  'wal_level',
  'shared_buffers',
  'max_connections',
  'autovacuum',
  'gin_pending_list_limit',
] as const;

export async function machineInfo(db: BenchDatabase): Promise<MachineInfo> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const version = await client.query<{ version: string }>('SELECT version()');
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, current_setting(name) AS setting FROM unnest($1::text[]) AS name`,
      [settingNames],
    );
    return {
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      totalMemoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
      node: process.version,
      postgres: version.rows[0]?.version ?? 'unknown',
      settings: Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])),
      backend: db.backend,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
  } finally {
    await client.end();
  }
}
