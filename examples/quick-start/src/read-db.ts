import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ReadDb } from './balances.js';

// #region read-db
/** The app's own Kysely on the read model's tables. */
export function createReadDb(connectionString: string): Kysely<ReadDb> {
  const pool = new pg.Pool({ connectionString });
  // pg emits 'error' on the pool when the server ends an idle connection (a restart, a failover, a shutdown):
  // without a listener, that ends the process. The next query simply takes a new connection.
  pool.on('error', (error) => console.warn(`read model pool: ${error.message}`));
  return new Kysely<ReadDb>({ dialect: new PostgresDialect({ pool }) });
}
// #endregion read-db
