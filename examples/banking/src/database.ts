import { startEmbeddedServer } from '@tally/test-harness';

/** Where the bank's data lives: `DATABASE_URL`, or a throwaway embedded PostgreSQL. */
export interface Database {
  readonly connectionString: string;
  /** True when this process started its own PostgreSQL (its data goes when the process stops). */
  readonly embedded: boolean;
  /** Stops the embedded server and deletes its data; nothing for `DATABASE_URL`. */
  stop(): Promise<void>;
}

/**
 * Uses `DATABASE_URL` when set, else starts an embedded PostgreSQL (real binaries from npm) in a fresh
 * temporary folder. The caller owns the signals (see `stopOnSignals`): its shutdown stops the server and
 * deletes the folder after its own connections are closed.
 */
export async function openDatabase(log: (line: string) => void = () => {}): Promise<Database> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, embedded: false, stop: async () => {} };
  log('No DATABASE_URL: starting an embedded PostgreSQL (its data is deleted at exit)…');
  const server = await startEmbeddedServer({ maxConnections: 100, handleSignals: false });
  log(`embedded PostgreSQL on port ${server.port}, data in ${server.dataDir}`);
  return { connectionString: server.url, embedded: true, stop: () => server.destroy() };
}
