import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './embedded-server.js';

const execFileAsync = promisify(execFile);

/** A throwaway PostgreSQL cluster made with the machine's own binaries (`initdb`, `pg_ctl`). */
export interface LocalCluster {
  /** Connection string of the `postgres` database (user `postgres`, trust authentication). */
  readonly url: string;
  readonly port: number;
  /** The binaries it was made with (`pg_dump`, `pg_restore`, `createdb` of the same version are there). */
  readonly binDir: string;
  readonly dataDir: string;
  /** Runs one of `binDir`'s client programs (e.g. `pg_dump`) as the current user; resolves with its stdout. */
  tool(name: string, args: readonly string[]): Promise<string>;
  /** Stops the server (`pg_ctl stop -m fast`); its data directory is kept. Does nothing when already stopped. */
  stop(): Promise<void>;
  /** Stops the server (immediately if a fast stop fails) and deletes its directory. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Directory of `initdb`, `pg_ctl` and `postgres`, e.g. `/usr/lib/postgresql/15/bin`. */
  readonly binDir: string;
  /** OS user that runs the server when this process is root (initdb refuses root). @defaultValue 'postgres' */
  readonly osUser?: string;
  readonly maxConnections?: number;
}

/**
 * `initdb` (trust authentication, superuser `postgres`) and `pg_ctl start` of a fresh cluster in a temporary
 * directory, listening on 127.0.0.1 at a free port and on a socket in that directory. As root, the directory is
 * handed to `osUser` and initdb/pg_ctl run as that user (`runuser -u`).
 * @throws when `binDir` has no `initdb` (the message says which path was looked for)
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { binDir } = options;
  const initdb = join(binDir, 'initdb');
  if (!existsSync(initdb)) {
    throw new Error(`startLocalCluster: ${initdb} is missing: install the PostgreSQL server binaries of ${binDir} (e.g. apt-get install postgresql-15)`);
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const osUser = options.osUser ?? 'postgres';
  const asServerUser = (file: string, args: readonly string[]) =>
    isRoot ? execFileAsync('runuser', ['-u', osUser, '--', file, ...args]) : execFileAsync(file, [...args]);

  const root = await mkdtemp(join(tmpdir(), 'tally-pgc-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  let started = false;
  try {
    await mkdir(dataDir, { mode: 0o700 });
    if (isRoot) {
      const uid = Number((await execFileAsync('id', ['-u', osUser])).stdout.trim());
      const gid = Number((await execFileAsync('id', ['-g', osUser])).stdout.trim());
      for (const path of [root, dataDir]) await chown(path, uid, gid);
    }
    await asServerUser(initdb, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);

    // A port found free can be taken before the server binds it: try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const serverOptions = [
        `-p ${port}`,
        `-k ${root}`,
        '-c listen_addresses=127.0.0.1',
        `-c max_connections=${options.maxConnections ?? 100}`,
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
      ].join(' ');
      try {
        await asServerUser(join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']);
        started = true;
        break;
      } catch (error) {
        if (attempt >= 3) {
          const log = await readFile(logFile, 'utf8').catch(() => '');
          throw new Error(`startLocalCluster: pg_ctl start failed: ${(error as Error).message}\n${log}`, { cause: error });
        }
      }
    }

    const pgCtlStop = (mode: 'fast' | 'immediate') =>
      asServerUser(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    let running = true;
    let destroyed = false;
    const stop = async () => {
      if (!running) return;
      await pgCtlStop('fast');
      running = false;
    };
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      binDir,
      dataDir,
      tool: async (name, args) => (await execFileAsync(join(binDir, name), [...args], { maxBuffer: 64 * 1024 * 1024 })).stdout,
      stop,
      destroy: async () => {
        if (destroyed) return;
        destroyed = true;
        await stop().catch(async () => {
          await pgCtlStop('immediate').catch(() => {});
          running = false;
        });
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (started) await asServerUser(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
