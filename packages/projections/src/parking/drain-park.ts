import type { EventShape, StoredEvent } from '@tally/eventstore';
import type { Transaction } from 'kysely';
import { BatchTransaction } from '../batch-transaction.js';
import { BatchAbandonedError, coerceError, ConfigurationError, HandlerTimeoutError, ParkedEventNotFoundError, UnknownProjectionError } from '../errors.js';
import type { RunnerContext } from '../runner-context.js';
import { loadOpenParked } from '../sql/load-open-parked.js';
import { lockCheckpoint } from '../sql/lock-checkpoint.js';
import { recordParkFailure } from '../sql/record-park-failure.js';
import { resolveParked } from '../sql/resolve-parked.js';
import type { ParkOutcome, Projection } from '../types.js';

/** What an operator asks of a projection's park. */
export interface DrainRequest {
  /** Parked events to re-apply: every one, one position, or none (held events free to go are applied anyway). */
  readonly retry: 'all' | 'none' | bigint;
  /** A parked (or held) event to acknowledge without applying it. */
  readonly skip?: bigint;
}

type HandlerEvents<E extends EventShape> = Parameters<Projection<E, unknown>['handle']>[0];

/**
 * Works through a projection's open parked and held events in order, in one transaction that holds the
 * projection's checkpoint row, so that no batch of any worker runs meanwhile (a batch holds the same row):
 * skips `skip`, re-applies the parked events `retry` selects, and applies every held event nothing holds any
 * more (its parked predecessors on its tags were applied or skipped). Each event is applied alone, in a savepoint:
 * one that fails again stays parked with its new error and keeps holding its tags; the rest commit together.
 * Idempotent: a second call finds nothing left to do (or the same failures).
 * @throws {HandlerTimeoutError} when a handler ran past its time (nothing of the call is committed)
 */
export async function drainPark<E extends EventShape>(ctx: RunnerContext<E>, projection: Projection<E, unknown>, request: DrainRequest): Promise<ParkOutcome> {
  const { name } = projection;
  const batch = await BatchTransaction.begin(ctx.pool, name, projection.handlerTimeoutMs ?? ctx.handlerTimeoutMs);
  try {
    const { trx } = batch;
    const scoped = trx.withSchema(ctx.schema);
    const session = ctx.store.with(trx as unknown as Transaction<object>);
    await session.declareNoAppend();
    const checkpoint = await lockCheckpoint(scoped, name);
    if (!checkpoint) throw new UnknownProjectionError(name);
    if (checkpoint.version !== projection.version) {
      throw new ConfigurationError(
        `projection "${name}" is at version ${checkpoint.version} in the database and at ${projection.version} here: act on its park from a process of version ${checkpoint.version}`,
      );
    }
    let open = await loadOpenParked(scoped, name, checkpoint.version);
    if (request.skip !== undefined) {
      const skip = request.skip;
      if (!(await resolveParked(scoped, name, checkpoint.version, skip, 'skipped', ctx.workerId))) {
        const skipped = await scoped
          .selectFrom('projection_parked')
          .select('state')
          .where('projection', '=', name)
          .where('version', '=', checkpoint.version)
          .where('target', '=', 'live')
          .where('position', '=', skip.toString())
          .executeTakeFirst();
        if (skipped?.state !== 'skipped') throw new ParkedEventNotFoundError(name, skip);
      }
      open = open.filter((row) => row.position !== skip);
    }
    const hold = projection.holdParkedTags !== false;
    const blocked = new Set<string>();
    const applied: bigint[] = [];
    const failed: { position: bigint; error: string }[] = [];
    for (const row of open) {
      const selected = row.state === 'held' || request.retry === 'all' || request.retry === row.position;
      if (!selected || (hold && row.tags.some((tag) => blocked.has(tag)))) {
        if (hold) for (const tag of row.tags) blocked.add(tag);
        continue;
      }
      const { events } = await session.read(undefined, { after: row.position - 1n, limit: 1 });
      const event = events[0] as StoredEvent<E> | undefined;
      if (event?.position !== row.position) throw new Error(`parked event at ${row.position} of "${name}" is not in the store`);
      const savepoint = await trx.savepoint('tally_park').execute();
      try {
        await batch.runHandler(() => projection.handle([event] as unknown as HandlerEvents<E>, savepoint as unknown as Transaction<unknown>));
        await savepoint.releaseSavepoint('tally_park').execute();
        await resolveParked(scoped, name, checkpoint.version, row.position, 'retried', ctx.workerId);
        applied.push(row.position);
      } catch (error) {
        if (error instanceof HandlerTimeoutError || error instanceof BatchAbandonedError || batch.lost) throw error;
        const message = coerceError(error).message;
        await savepoint.rollbackToSavepoint('tally_park').execute();
        await recordParkFailure(scoped, name, checkpoint.version, row.position, message);
        failed.push({ position: row.position, error: message });
        if (hold) for (const tag of row.tags) blocked.add(tag);
      }
    }
    await batch.commit();
    ctx.logger.info({ projection: name, applied: applied.length, failed: failed.length }, 'park worked through');
    return { applied, failed, remaining: open.length - applied.length };
  } catch (error) {
    await batch.rollback();
    throw error;
  }
}
