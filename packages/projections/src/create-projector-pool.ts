import pg from 'pg';
import type { ProjectorLogger } from './logger.js';

/**
 * The projector's pool: its Kysely runs on it, and each batch checks a connection out of it. A restart, a failover
 * or a killed session must not crash the process. An idle client that loses its server errors on the pool (it
 * replaces it on next use); a checked-out one has no pool listener, and a FATAL that arrives between a query's end
 * and the client's release would be an uncaught 'error' event: listen on each. Queries in flight still reject, and
 * the runners and the claim loop retry them with backoff.
 */
export function createProjectorPool(connectionString: string, max: number, logger: ProjectorLogger, workerId: string): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, application_name: 'tally-projector-batches', keepAlive: true });
  // pg-pool attaches the whole client to the error: log its message only.
  pool.on('error', (error) => logger.warn({ workerId, error: error.message }, 'idle projector connection lost'));
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}
