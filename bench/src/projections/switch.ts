/**
 * The version-bump scenario of the projections benchmark: a projector with version 2 of a projection that names
 * its `tables` builds it beside the live version 1 (shadow schema), then switches readers to it in one
 * transaction, while a reader queries the live table in a loop. Measures the build's throughput, the time from
 * "the build has caught up" to "readers switched", and what the reader saw meanwhile.
 */
import type { EventShape, EventStore } from '@tally/eventstore';
import { createProjector, type AnyProjection, type Projector } from '@tally/projections';
import { withClient } from '../diagnostics.js';
import { percentile } from '../measure.js';

export interface SwitchResult {
  readonly events: number;
  /** From `start()` until the build row says it caught up (its first batch that came back less than full committed). */
  readonly buildSeconds: number;
  readonly rate: number;
  /** From the build having caught up to the live checkpoint showing the new version (both seen by a 5 ms poll). */
  readonly switchMs: number;
  readonly rowsBefore: number;
  readonly readerQueries: number;
  readonly readerMinRows: number;
  readonly readerP99Ms: number;
  readonly readerMaxMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs the version bump of `projection` (whose live version is older) with `table` as its one table; resolves
 * once readers are switched, with the projector still running (the caller verifies and stops it).
 */
export async function versionBumpRebuild<E extends EventShape>(
  url: string,
  store: EventStore<E>,
  projection: AnyProjection<E>,
  table: string,
  batchSize: number,
): Promise<{ result: SwitchResult; projector: Projector }> {
  const scalar = (text: string, values: unknown[] = []) => withClient(url, async (c) => Number((await c.query<{ n: string }>(text, values)).rows[0]!.n));
  const rowsBefore = await scalar(`SELECT count(*) AS n FROM ${table}`);
  const types = projection.query.flatMap((item) => item.types ?? []);
  const events = await scalar('SELECT count(*) AS n FROM tally.events WHERE type = ANY($1::text[])', [types]);

  let reading = true;
  const latencies: number[] = [];
  let minRows = Number.POSITIVE_INFINITY;
  const reader = withClient(url, async (client) => {
    while (reading) {
      const t0 = performance.now();
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
      latencies.push(performance.now() - t0);
      minRows = Math.min(minRows, rows[0]!.n);
      await sleep(2);
    }
  });

  const projector = createProjector({ store, projections: [projection], connectionString: url, batchSize });
  const started = performance.now();
  let caughtUpAt = Number.NaN;
  let switchedAt = Number.NaN;
  try {
    await projector.start();
    await withClient(url, async (client) => {
      for (;;) {
        const { rows } = await client.query<{ version: number; caught_up: boolean | null }>(
          `SELECT c.version, b.caught_up_at IS NOT NULL AS caught_up
             FROM tally.projection_checkpoints c LEFT JOIN tally.projection_builds b USING (name) WHERE c.name = $1`,
          [projection.name],
        );
        const now = performance.now();
        const row = rows[0]!;
        if (row.caught_up && Number.isNaN(caughtUpAt)) caughtUpAt = now;
        if (row.version === projection.version) {
          switchedAt = now;
          if (Number.isNaN(caughtUpAt)) caughtUpAt = now; // caught up and switched between two polls
          break;
        }
        if (now - started > 300_000) throw new Error('version-bump rebuild did not switch within 300 s');
        await sleep(5);
      }
    });
  } finally {
    reading = false;
    await reader;
  }
  const buildSeconds = (caughtUpAt - started) / 1000;
  return {
    projector,
    result: {
      events,
      buildSeconds,
      rate: events / buildSeconds,
      switchMs: switchedAt - caughtUpAt,
      rowsBefore,
      readerQueries: latencies.length,
      readerMinRows: minRows,
      readerP99Ms: percentile(latencies, 99),
      readerMaxMs: latencies.length ? Math.max(...latencies) : Number.NaN,
    },
  };
}
