import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { randomBytes } from 'node:crypto';
import { withDatabase } from './names.js';
import { acquireTestServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    tallyAdminUrl: string;
    tallyTemplate: string;
    tallyBackend: string;
    tallyRunId: string;
  }
}

export interface GlobalSetupOptions {
  /** Brings a fresh database to the state every test starts from (e.g. runs migrations). */
  prepareTemplate?: (connectionString: string) => Promise<void>;
}

/**
 * Builds a vitest `globalSetup` function: one server per test run, one migrated template database,
 * and (through `createTestDatabase`) one fresh copy of it per test file.
 */
export function createGlobalSetup(options: GlobalSetupOptions = {}) {
  return async function setup(project: TestProject): Promise<() => Promise<void>> {
    const server = await acquireTestServer();
    console.log(`[tally tests] PostgreSQL backend: ${server.backend}`);
    // Everything this run creates carries its id: its teardown drops only its own databases, never those of
    // another run sharing the server (a second developer, CI).
    const runId = randomBytes(6).toString('hex');
    const template = `tally_tpl_${runId}`;
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${template}`);
    } finally {
      await admin.end();
    }
    await options.prepareTemplate?.(withDatabase(server.adminUrl, template));
    project.provide('tallyAdminUrl', server.adminUrl);
    project.provide('tallyTemplate', template);
    project.provide('tallyBackend', server.backend);
    project.provide('tallyRunId', runId);

    return async () => {
      const client = new pg.Client({ connectionString: server.adminUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
          [`tally\\_test\\_${runId}\\_%`, template],
        );
        for (const { datname } of rows) {
          await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
        }
      } finally {
        await client.end();
      }
      await server.stop();
    };
  };
}
