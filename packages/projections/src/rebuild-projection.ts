import type { Kysely, Transaction } from 'kysely';
import type { EventShape } from '@tally/eventstore';
import { buildSchemaName } from './build-schema-name.js';
import { ConfigurationError } from './errors.js';
import type { ProjectorTables } from './schema/tables.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import { requestBuild } from './sql/request-build.js';
import { resetCheckpoint } from './sql/reset-checkpoint.js';
import type { Projection } from './types.js';

/**
 * Asks for a build of a projection with `tables` from the start, beside its live tables (see `BuildTarget`):
 * the build's worker sets it up. A build already there, of this version or an older one, starts over.
 * @throws {ConfigurationError} when the live version is newer than the definition
 */
export async function requestProjectionBuild<E extends EventShape, DB>(db: Kysely<ProjectorTables>, schema: string, projection: Projection<E, DB>): Promise<void> {
  const scoped = db.withSchema(schema);
  const [live] = await loadCheckpoints(scoped, [projection.name]);
  if (live && live.version > projection.version) {
    throw new ConfigurationError(`projection "${projection.name}": the live version ${live.version} is newer than this process's ${projection.version}`);
  }
  await requestBuild(scoped, projection.name, projection.version, buildSchemaName(schema, projection.name));
}

const retryableCodes = new Set(['40P01', '40001']);

/**
 * Resets a projection in one transaction: locks its checkpoint row (waiting for a batch in flight to commit),
 * empties its read tables and its park, and moves the checkpoint back to the start with the definition's version. A batch
 * started from the old checkpoint then finds it moved and rolls back. Retries on deadlock.
 */
export async function rebuildProjection<E extends EventShape, DB>(
  db: Kysely<ProjectorTables>,
  schema: string,
  projection: Projection<E, DB>,
  owner: string | null,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await db.transaction().execute(async (trx) => {
        await trx
          .withSchema(schema)
          .selectFrom('projection_checkpoints')
          .select('name')
          .where('name', '=', projection.name)
          .forUpdate()
          .execute();
        await projection.reset(trx as unknown as Transaction<DB>);
        await resetCheckpoint(trx.withSchema(schema), projection.name, projection.version, 'rebuilding', owner);
        // The replay meets every event again: what was parked or held is handled (or parked) anew.
        await trx.withSchema(schema).deleteFrom('projection_parked').where('projection', '=', projection.name).execute();
      });
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 5 || typeof code !== 'string' || !retryableCodes.has(code)) throw error;
    }
  }
}
