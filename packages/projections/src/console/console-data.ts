import type { EventShape, EventStore, EventStoreTables, Horizon } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import type { Projector } from '../create-projector.js';
import { ConsoleRequestError } from '../errors.js';
import { browseEvents, type EventPage } from '../sql/browse-events.js';
import type { ConsoleEvent } from '../sql/console-event.js';
import { loadCorrelated } from '../sql/load-correlated.js';
import { loadEventById } from '../sql/load-event-by-id.js';
import { loadEvent } from '../sql/load-event.js';
import type { ParkedEvent, ParkOutcome, ProjectionStatus } from '../types.js';
import type { EventQuery } from './parse-request.js';
import type { EventChain } from './render-events.js';

/** A projection's status without the store-wide horizon (served once, at `/api/horizon`). */
export type ConsoleProjection = Omit<ProjectionStatus, 'horizon'>;

/** What the projections page and `/api/projections` show, and when it was read. */
export interface Overview {
  readonly projections: ConsoleProjection[];
  readonly horizon: Horizon;
  /** When `status()` was read (the console serves it for a moment: see {@link OVERVIEW_FRESH_MS}). */
  readonly readAt: string;
}

/**
 * How long the console serves one `status()` to every viewer before reading it again: with 20 projections it is
 * some 40 queries, and auto-refreshing pages in several browsers must not multiply them. Older than this (up to
 * {@link OVERVIEW_STALE_MS}) it is still served while one new read runs; older still, the request waits for it.
 * An action reads it afresh.
 */
export const OVERVIEW_FRESH_MS = 1000;
export const OVERVIEW_STALE_MS = 5000;

/** An action the console offers on a projection. */
export type ConsoleAction = 'retry' | 'skip' | 'resume';

/** What the console reads and does: one implementation behind both the HTML pages and the JSON API. */
export interface ConsoleData {
  /** Every projection's status, and the horizon (read once, with them); see {@link OVERVIEW_FRESH_MS}. */
  overview(): Promise<Overview>;
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
  const readOverview = async (): Promise<Overview> => {
    const readAt = new Date().toISOString();
    const statuses = await projector.status();
    const horizon = statuses[0]?.horizon ?? (await store.horizon());
    return { projections: statuses.map(({ horizon: _horizon, ...rest }) => rest), horizon, readAt };
  };
  /** The last read that succeeded (and when it started), and the one in flight: one at a time, shared. */
  let last: { at: number; value: Overview } | undefined;
  let reading: Promise<Overview> | undefined;
  /** Bumped by each action: a read that began before it is not kept (it may not show the action). */
  let generation = 0;
  const refresh = () =>
    (reading ??= (async () => {
      const at = Date.now();
      const started = generation;
      try {
        const value = await readOverview();
        if (started === generation) last = { at, value };
        return value;
      } finally {
        reading = undefined;
      }
    })());

  return {
    async overview() {
      const age = last ? Date.now() - last.at : Infinity;
      if (age <= OVERVIEW_FRESH_MS) return last!.value;
      if (age <= OVERVIEW_STALE_MS) {
        refresh().catch(() => {}); // its failure shows on the next request that waits for a read
        return last!.value;
      }
      return refresh();
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
      // The next page shows what the action did: no read begun before it ends is kept, nor shared after it.
      const forget = () => {
        last = undefined;
        reading = undefined;
        generation += 1;
      };
      forget();
      try {
        if (action === 'resume') return { resumed: await projector.resume(name) };
        if (action === 'skip') {
          if (position === undefined) throw new ConsoleRequestError('INVALID_REQUEST', 'position: skip needs the position of the parked event', 'position');
          return await projector.skipParked(name, { position });
        }
        return await projector.retryParked(name, position === undefined ? {} : { position });
      } finally {
        forget();
      }
    },
  };
}
