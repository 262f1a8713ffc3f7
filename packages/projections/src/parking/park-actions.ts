import type { EventShape } from '@tally/eventstore';
import { ConfigurationError, UnknownProjectionError } from '../errors.js';
import type { RunnerContext } from '../runner-context.js';
import { loadCheckpoints } from '../sql/load-checkpoints.js';
import { loadOpenParked } from '../sql/load-open-parked.js';
import { resumeFailed } from '../sql/resume-failed.js';
import type { ParkedEvent, ParkOutcome, Projection } from '../types.js';
import { drainPark } from './drain-park.js';

/** The operator's actions on a projector's projections: the park, and resuming a stopped projection. */
export interface ParkActions {
  parked(name: string): Promise<ParkedEvent[]>;
  retryParked(name: string, options?: { readonly position?: bigint }): Promise<ParkOutcome>;
  skipParked(name: string, options: { readonly position: bigint }): Promise<ParkOutcome>;
  resume(name: string): Promise<boolean>;
}

/** What the actions need of their projector. */
export interface ParkActionSources<E extends EventShape> {
  readonly ctx: RunnerContext<E>;
  readonly projections: ReadonlyMap<string, Projection<E, unknown>>;
  /** Migrates and creates checkpoint rows, once per projector. */
  prepare(): Promise<void>;
  /** Tells the runner of `name` in this process (if any) and the claim loop that something changed. */
  changed(name: string): void;
}

/** The park actions of one projector; each is idempotent and safe while any number of workers run. */
export function createParkActions<E extends EventShape>(sources: ParkActionSources<E>): ParkActions {
  const { ctx, projections } = sources;
  const scoped = ctx.db.withSchema(ctx.schema);
  const find = (name: string) => {
    const projection = projections.get(name);
    if (!projection) throw new UnknownProjectionError(name);
    if (projection.inline) throw new ConfigurationError(`projection "${name}" is inline: it has no worker, no park and no stop`);
    return projection;
  };
  const drain = async (name: string, request: Parameters<typeof drainPark>[2]) => {
    const projection = find(name);
    await sources.prepare();
    const outcome = await drainPark(ctx, projection, request);
    sources.changed(name);
    return outcome;
  };
  return {
    async parked(name) {
      find(name);
      await sources.prepare();
      const [row] = await loadCheckpoints(scoped, [name]);
      return row ? loadOpenParked(scoped, name, row.version) : [];
    },
    retryParked: (name, options = {}) => drain(name, { retry: options.position ?? 'all' }),
    skipParked: (name, options) => drain(name, { retry: 'none', skip: options.position }),
    async resume(name) {
      find(name);
      await sources.prepare();
      const resumed = await resumeFailed(scoped, name);
      if (resumed) ctx.logger.info({ projection: name }, 'projection resumed from its checkpoint');
      sources.changed(name);
      return resumed;
    },
  };
}
