import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SpanKind, trace } from '@opentelemetry/api';
import { installTestTelemetry } from '@tally/test-harness';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createProjector } from '../src/index.js';
import { balanceProjection } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.uninstall());
const { database, store, db } = await setupDatabase();
const fixture = fileURLToPath(new URL('./fixtures/traced-append.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the API-side append in another process (its own SDK, its own exporter) and returns what it exported. */
async function appendInAnotherProcess(accountId: string) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture], {
    cwd: packageDir,
    env: { ...process.env, DATABASE_URL: database.url, ACCOUNT_ID: accountId },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { traceId: string; requestSpanId: string; appendSpanId: string; appendParentSpanId: string };
}

describe('project span', () => {
  it("links the batch that applied an event to the append span of another process's request", async () => {
    const api = await appendInAnotherProcess('x1');
    // In the API process: request → append, one trace.
    expect(api.appendParentSpanId).toBe(api.requestSpanId);
    // A span of this process, to show the link is not a parent: the projector's span lives in its own trace.
    await trace.getTracer('test').startActiveSpan('unrelated', async (span) => {
      await store.append([{ type: 'AccountOpened', data: { accountId: 'x2' } }]);
      span.end();
    });
    const local = telemetry.spans('append')[0]!.spanContext();

    const projector = createProjector({
      store,
      projections: [balanceProjection('traced', 't_traced')],
      connectionString: database.url,
      batchSize: 25,
      pollIntervalMs: 100,
      claimIntervalMs: 200,
    });
    await projector.start();
    try {
      const applied = await eventually(async () => {
        const rows = await sql<{ n: number }>`SELECT count(*)::int AS n FROM t_traced`.execute(db);
        return rows.rows[0]!.n === 2;
      }, 20_000);
      expect(applied).toBe(true);
      const project = telemetry.spans('project').find((s) => s.links.some((l) => l.context.spanId === api.appendSpanId));
      // The naive version (no traceparent stored, or links not read back) has no such span.
      expect(project).toBeDefined();
      expect(project!.kind).toBe(SpanKind.CONSUMER);
      const link = project!.links.find((l) => l.context.spanId === api.appendSpanId)!;
      expect(link.context.traceId).toBe(api.traceId);
      expect(link.context.isRemote).toBe(true);
      // Both appends (the other process's and this one's) are in the batch: one link each.
      expect(project!.links.map((l) => l.context.spanId).sort()).toEqual([api.appendSpanId, local.spanId].sort());
      expect(project!.attributes).toMatchObject({
        'tally.projection': 'traced',
        'tally.projection.target': 'live',
        'tally.projection.batch_size': 3,
        'tally.projection.outcome': 'caught-up',
      });
      expect(project!.attributes['tally.projection.checkpoint']).toMatch(/\d/);

      // The lag and horizon gauges, through the same API, once caught up.
      const observed = await eventually(async () => {
        const lag = await telemetry.points('tally.projection.lag.events');
        return lag.some((p) => p.attributes['tally.projection'] === 'traced' && p.value === 0);
      }, 10_000);
      expect(observed).toBe(true);
      const blocked = await telemetry.points('tally.horizon.blocked.duration');
      expect(blocked.map((p) => p.value)).toEqual([0]);
    } finally {
      await projector.stop();
    }
    // The projector polled every 100 ms while caught up; a poll that finds nothing makes no span (the naive version
    // would leave one per poll): every `project` span read something.
    expect(telemetry.spans('project').every((s) => Number(s.attributes['tally.projection.batch_size']) > 0)).toBe(true);
  });
});
