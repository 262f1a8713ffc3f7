import { setTimeout as sleep } from 'node:timers/promises';
import type { EventShape, EventStore, Horizon, SettledCheckpoint } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import type { Projector } from './create-projector.js';
import { CatchUpError } from './errors.js';
import type { ProjectionRunner } from './projection-runner.js';
import type { ProjectorTables } from './schema/tables.js';
import { countOpenParked } from './sql/count-open-parked.js';
import { loadBuilds, type BuildRow } from './sql/load-builds.js';
import { behindSnapshot } from './sql/behind-snapshot.js';
import { callerSnapshot } from './sql/caller-snapshot.js';
import { loadCheckpoints } from './sql/load-checkpoints.js';
import { storeHead } from './sql/store-head.js';
import type { Projection, ProjectionBuildStatus, ProjectionState, ProjectionStatus } from './types.js';

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
  /** The build runners of this process (the claim loop's). */
  readonly builds: ReadonlyMap<string, ProjectionRunner<E>>;
  readonly lagCountLimit: number;
}

/** A short description of who holds the horizon, for errors and logs. */
export function describeBlockers(horizon: Horizon): string {
  if (horizon.blockers.length === 0) return 'nothing holds the horizon';
  return horizon.blockers
    .map((b) => {
      const age = b.transactionAgeMs === null ? 'age hidden' : `open ${Math.round(b.transactionAgeMs / 1000)} s`;
      return `transaction ${b.transactionId} (${b.reason}; pid ${b.pid ?? '?'}, ${b.applicationName || '?'} on ${b.database ?? '?'}, ${b.state ?? 'state hidden'}, ${age})`;
    })
    .join('; ');
}

/** The projector's `status()` and `waitForCatchUp()`. */
export function createStatusReader<E extends EventShape>(sources: StatusSources<E>): Pick<Projector, 'status' | 'waitForCatchUp'> {
  const { options, db, scoped, schema, projections, runners, builds, lagCountLimit } = sources;
  const checkpointOf = (name: string, stored: SettledCheckpoint | undefined): SettledCheckpoint =>
    runners.get(name)?.checkpoint ?? stored ?? { transactionId: 0n, position: 0n };

  async function buildStatus(projection: Projection<E, unknown>, row: BuildRow | undefined): Promise<ProjectionBuildStatus | null> {
    if (!row) return null;
    const checkpoint = builds.get(projection.name)?.checkpoint ?? row.checkpoint;
    const lag = await options.store.lag(projection.query, { after: checkpoint, limit: lagCountLimit });
    return {
      version: row.version,
      state: row.status,
      schema: row.schema,
      checkpoint,
      lagEvents: lag.events,
      lastError: row.lastError,
      owner: row.owner,
      startedAt: row.startedAt,
      caughtUpAt: row.caughtUpAt,
    };
  }

  const projector: Pick<Projector, 'status' | 'waitForCatchUp'> = {
    async status() {
      // Independent reads, side by side (the pools bound how many run at once): with 20 projections, one lag
      // count after the other made the status (and every /metrics scrape, every console refresh) 20 round trips long.
      const names = [...projections.keys()];
      const [checkpointRows, buildRowList, head, horizon, parks] = await Promise.all([
        loadCheckpoints(scoped, names),
        loadBuilds(scoped, names),
        storeHead(db, schema),
        options.store.horizon(),
        countOpenParked(scoped, names),
      ]);
      const rows = new Map(checkpointRows.map((row) => [row.name, row]));
      const buildRows = new Map(buildRowList.map((row) => [row.name, row]));
      return Promise.all(
        [...projections.values()].map(async (projection): Promise<ProjectionStatus> => {
          const row = rows.get(projection.name);
          const runner = runners.get(projection.name);
          const checkpoint = checkpointOf(projection.name, row?.checkpoint);
          const [lag, build] = await Promise.all([
            projection.inline
              ? { events: 0, unsettledEvents: 0, oldestAgeMs: null, firstPosition: null }
              : options.store.lag(projection.query, { after: checkpoint, limit: lagCountLimit }),
            buildStatus(projection, buildRows.get(projection.name)),
          ]);
          const state: ProjectionState = projection.inline ? 'inline' : runner ? runner.state : ((row?.status ?? 'idle') as ProjectionState);
          return {
            name: projection.name,
            version: projection.version,
            storedVersion: row?.version ?? null,
            state,
            checkpoint,
            head,
            appliedPosition: lag.firstPosition === null ? head : lag.firstPosition - 1n,
            lagEvents: lag.events,
            unsettledEvents: lag.unsettledEvents,
            lagSeconds: lag.oldestAgeMs === null ? 0 : lag.oldestAgeMs / 1000,
            horizon,
            lastError: runner?.lastError ?? row?.lastError ?? null,
            failedPosition: row?.failedPosition ?? null,
            parkedEvents: parks.get(projection.name)?.parked ?? 0,
            heldEvents: parks.get(projection.name)?.held ?? 0,
            owner: row?.owner ?? null,
            ownedHere: runner !== undefined,
            build,
          };
        }),
      );
    },

    /**
     * Every event committed before the call (visible to the call's snapshot, in the store's transaction-id
     * space) must be behind each projection's checkpoint; events still uncommitted at the call do not count.
     */
    async waitForCatchUp({ timeoutMs = 30_000 } = {}) {
      const snapshot = await callerSnapshot(db, schema);
      const deadline = Date.now() + timeoutMs;
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        const stored = new Map((await loadCheckpoints(scoped, [...projections.keys()])).map((row) => [row.name, row]));
        const pending: { name: string; state: string; checkpoint: SettledCheckpoint }[] = [];
        for (const projection of projections.values()) {
          if (projection.inline) continue;
          const row = stored.get(projection.name);
          const state = runners.get(projection.name)?.state ?? row?.status ?? 'idle';
          if (state === 'failed') {
            throw new CatchUpError(projection.name, `projection "${projection.name}" failed: ${runners.get(projection.name)?.lastError ?? row?.lastError ?? 'unknown error'}`);
          }
          const checkpoint = checkpointOf(projection.name, row?.checkpoint);
          if (await behindSnapshot(db, schema, checkpoint, snapshot)) pending.push({ name: projection.name, state, checkpoint });
        }
        if (pending.length === 0) return;
        if (Date.now() > deadline) {
          const horizon = await options.store.horizon().catch(() => undefined);
          const which = pending.map((s) => `${s.name} (${s.state}, at ${s.checkpoint.transactionId}/${s.checkpoint.position})`).join(', ');
          const held = horizon && horizon.unsettledEvents > 0 ? `; ${horizon.unsettledEvents} event(s) are held back: ${describeBlockers(horizon)}` : '';
          throw new CatchUpError(pending[0]!.name, `not caught up with the events committed before the call after ${timeoutMs} ms: ${which}${held}`, horizon);
        }
        await sleep(pause);
      }
    },
  };
  return projector;
}
