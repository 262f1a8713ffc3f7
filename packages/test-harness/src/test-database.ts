import pg from 'pg';
import { inject } from 'vitest';
import { uniqueDatabaseName, withDatabase } from './names.js';

export interface TestDatabase {
  /** Connection string of this test's own database. */
  readonly url: string;
  readonly name: string;
  /** Connection string of the server's maintenance database. */
  readonly adminUrl: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

/** Creates a fresh database for one test file, copied from the run's migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('tallyAdminUrl');
  const template = inject('tallyTemplate');
  const name = uniqueDatabaseName(`tally_test_${inject('tallyRunId')}`);
  await adminQuery(adminUrl, `CREATE DATABASE ${name} TEMPLATE ${template}`);
  return {
    url: withDatabase(adminUrl, name),
    name,
    adminUrl,
    drop: () => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Runs one statement on a short-lived connection (for CREATE/DROP DATABASE, which cannot run in a transaction). */
export async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
