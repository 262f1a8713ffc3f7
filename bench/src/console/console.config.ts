/**
 * The `tally-projector` config of `bench:console`: 20 projections over the seeded store, each reading one of
 * ten event types (two per type), with no-op handlers, so the console has 20 projections to report. The first
 * parks the events marked `poison` (and holds their accounts' later events behind them).
 */
import type { ProjectorConfig } from '@tally/projections';
import { defineProjection } from '@tally/projections';

/** The seeded events: `T0` … `T9`, data `{ n, accountId, poison? }`, tag `account:acc-<k>`. */
export type ConsoleBenchEvent = { type: `T${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9}`; data: { n: number; accountId: string; poison?: boolean } };

export const PROJECTIONS = 20;
export const TYPES = 10;

const projections = Array.from({ length: PROJECTIONS }, (_, k) =>
  defineProjection<ConsoleBenchEvent, Record<string, never>>({
    name: `console-p${String(k).padStart(2, '0')}`,
    version: 1,
    query: [{ types: [`T${k % TYPES}` as ConsoleBenchEvent['type']] }],
    ...(k === 0 ? { onError: 'park' as const } : {}),
    setup: async () => {},
    reset: async () => {},
    handle: async (events) => {
      if (k === 0 && events.some((e) => e.data.poison === true)) throw new Error('poison event');
    },
  }),
);

const config: ProjectorConfig<ConsoleBenchEvent> = { projections, batchSize: 5000, pollIntervalMs: 200, maxAttempts: 1 };
export default config;
