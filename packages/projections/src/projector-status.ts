import { setTimeout as sleep } from 'node:timers/promises';
import type { EventShape, EventStore } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import type { Projector } from './create-projector.js';
import { CatchUpError } from './errors.js';
import type { ProjectionRunner } from './projection-runner.js';
import type { ProjectorTables } from './schema/tables.js';
import { loadCheckpoints } from './sql/checkpoints.js';
import type { Projection, ProjectionState, ProjectionStatus } from './types.js';

/** What `status()` and `waitForCatchUp()` read: the projector's store, database, projections and runners. */
export interface StatusSources<E extends EventShape> {
  readonly options: { readonly store: EventStore<E> };
  readonly db: Kysely<ProjectorTables>;
  /** `db` with the store's schema. */
  readonly scoped: Kysely<ProjectorTables>;
  readonly schema: string;
  readonly projections: ReadonlyMap<string, Projection<E, unknown>>;
  /** The runners of this process, live (the map the claim loop keeps). */
  readonly runners: ReadonlyMap<string, ProjectionRunner<E>>;
  readonly lagCountLimit: number;
}

/** The projector's `status()` and `waitForCatchUp()`. */
export function createStatusReader<E extends EventShape>(sources: StatusSources<E>): Pick<Projector, 'status' | 'waitForCatchUp'> {
  const { options, db, scoped, schema, projections, runners, lagCountLimit } = sources;
  const projector: Pick<Projector, 'status' | 'waitForCatchUp'> = {
    async status() {
      const rows = new Map((await loadCheckpoints(scoped, [...projections.keys()])).map((row) => [row.name, row]));
      const { rows: headRows } = await sql<{ head: string | null }>`SELECT max(position)::text AS head FROM ${sql.id(schema, 'events')}`.execute(db);
      const head = BigInt(headRows[0]?.head ?? '0');
      const result: ProjectionStatus[] = [];
      for (const projection of projections.values()) {
        const row = rows.get(projection.name);
        const runner = runners.get(projection.name);
        const checkpoint = runner?.checkpoint ?? row?.checkpoint ?? { transactionId: 0n, position: 0n };
        let lagEvents = 0;
        let lagSeconds = 0;
        if (!projection.inline) {
          const { events } = await options.store.readSettled(projection.query, { after: checkpoint, limit: lagCountLimit });
          lagEvents = events.length;
          const oldest = events.reduce<Date | undefined>((min, e) => (min === undefined || e.occurredAt < min ? e.occurredAt : min), undefined);
          lagSeconds = oldest ? Math.max(0, (Date.now() - oldest.getTime()) / 1000) : 0;
        }
        const state: ProjectionState = projection.inline
          ? 'inline'
          : runner
            ? runner.state
            : ((row?.status ?? 'idle') as ProjectionState);
        result.push({
          name: projection.name,
          version: projection.version,
          storedVersion: row?.version ?? null,
          state,
          checkpoint,
          head,
          lagEvents,
          lagSeconds,
          lastError: runner?.lastError ?? row?.lastError ?? null,
          failedPosition: row?.failedPosition ?? null,
          owner: row?.owner ?? null,
          ownedHere: runner !== undefined,
        });
      }
      return result;
    },

    async waitForCatchUp({ timeoutMs = 30_000 } = {}) {
      const { rows } = await sql<{ xmax: string }>`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`.execute(db);
      const target = BigInt(rows[0]!.xmax);
      const deadline = Date.now() + timeoutMs;
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        const pending = (await projector.status()).filter((s) => s.state !== 'inline' && s.checkpoint.transactionId < target);
        const failed = pending.find((s) => s.state === 'failed');
        if (failed) throw new CatchUpError(failed.name, `projection "${failed.name}" failed: ${failed.lastError ?? 'unknown error'}`);
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          const behind = pending.map((s) => `${s.name} (${s.state}, at transaction ${s.checkpoint.transactionId})`).join(', ');
          throw new CatchUpError(pending[0]!.name, `not caught up with transaction ${target} after ${timeoutMs} ms: ${behind}`);
        }
        await sleep(pause);
      }
    },
  };
  return projector;
}
