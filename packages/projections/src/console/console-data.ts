import type { EventShape, EventStore, EventStoreTables, Horizon } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import type { Projector } from '../create-projector.js';
import { ConsoleRequestError } from '../errors.js';
import { browseEvents, type ConsoleEvent, type EventPage } from '../sql/browse-events.js';
import { loadCorrelated, loadEvent, loadEventById } from '../sql/load-event.js';
import type { ParkedEvent, ParkOutcome, ProjectionStatus } from '../types.js';
import type { EventQuery } from './parse-request.js';
import type { EventChain } from './render-events.js';

/** A projection's status without the store-wide horizon (served once, at `/api/horizon`). */
export type ConsoleProjection = Omit<ProjectionStatus, 'horizon'>;

/** An action the console offers on a projection. */
export type ConsoleAction = 'retry' | 'skip' | 'resume';

/** What the console reads and does: one implementation behind both the HTML pages and the JSON API. */
export interface ConsoleData {
  /** Every projection's status, and the horizon (read once, with them). */
  overview(): Promise<{ projections: ConsoleProjection[]; horizon: Horizon }>;
  horizon(): Promise<Horizon>;
  parked(name: string): Promise<ParkedEvent[]>;
  events(query: EventQuery): Promise<EventPage>;
  event(position: bigint, window: number): Promise<{ event: ConsoleEvent; chain: EventChain }>;
  act(name: string, action: ConsoleAction, position: bigint | undefined): Promise<ParkOutcome | { resumed: boolean }>;
}

const CHAIN_LIMIT = 100;
const CAUSE_DEPTH = 20;

/** The console's reads over the projector, the store's horizon, and the events table (`events`: scoped to the store's schema). */
export function createConsoleData(projector: Projector, store: Pick<EventStore<EventShape>, 'horizon'>, events: Kysely<EventStoreTables>): ConsoleData {
  return {
    async overview() {
      const statuses = await projector.status();
      const horizon = statuses[0]?.horizon ?? (await store.horizon());
      return { projections: statuses.map(({ horizon: _horizon, ...rest }) => rest), horizon };
    },
    horizon: () => store.horizon(),
    parked: (name) => projector.parked(name),
    events: (query) =>
      browseEvents(events, query.filter, {
        limit: query.limit,
        ...(query.after === undefined ? {} : { after: query.after }),
        ...(query.before === undefined ? {} : { before: query.before }),
      }),
    async event(position, window) {
      const event = await loadEvent(events, position);
      if (!event) throw new ConsoleRequestError('NOT_FOUND', `no event at position ${position}`, 'position');
      const correlationId = event.metadata['correlationId'];
      const correlated = typeof correlationId === 'string' ? await loadCorrelated(events, correlationId, position, window, CHAIN_LIMIT) : null;
      const causes: ConsoleEvent[] = [];
      let unresolvedCause: string | null = null;
      const seen = new Set([event.id]);
      for (let cause = event.metadata['causationId']; typeof cause === 'string' && causes.length < CAUSE_DEPTH; ) {
        const found = await loadEventById(events, cause);
        if (!found) {
          unresolvedCause = cause;
          break;
        }
        if (seen.has(found.id)) break;
        seen.add(found.id);
        causes.push(found);
        cause = found.metadata['causationId'];
      }
      return { event, chain: { correlated, window, causes, unresolvedCause } };
    },
    async act(name, action, position) {
      if (action === 'resume') return { resumed: await projector.resume(name) };
      if (action === 'skip') {
        if (position === undefined) throw new ConsoleRequestError('INVALID_REQUEST', 'position: skip needs the position of the parked event', 'position');
        return projector.skipParked(name, { position });
      }
      return projector.retryParked(name, position === undefined ? {} : { position });
    },
  };
}
