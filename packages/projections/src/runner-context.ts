import type { EventShape, EventStore } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ProjectorLogger } from './logger.js';
import type { ProjectorTables } from './schema/tables.js';

/** Settings a runner shares with its projector. */
export interface RunnerContext<E extends EventShape> {
  readonly store: EventStore<E>;
  readonly db: Kysely<ProjectorTables>;
  /** The pool `db` runs on: each batch checks one connection out of it, to be able to destroy it. */
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly workerId: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  readonly maxAttempts: number;
  readonly retryDelayMs: number;
  /** Default of the projections' `handlerTimeoutMs`. */
  readonly handlerTimeoutMs: number;
  readonly logger: ProjectorLogger;
}
