import { SpanKind, trace } from '@opentelemetry/api';
import { installTestTelemetry } from '@tally/test-harness';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCheckpoint } from '../src/index.js';
import { deposit, setup, waitFor } from './helpers.js';

const telemetry = installTestTelemetry();
afterAll(() => telemetry.uninstall());
const fixture = await setup();
const tracer = trace.getTracer('test');

describe('deliver span', () => {
  it('wraps each batch handler in a `deliver` span that links to the append spans of its events, and records their latency', async () => {
    const stream = fixture.newStream({ pollIntervalMs: 50 });
    const start = formatCheckpoint(await fixture.store.settledCheckpoint());
    // Two requests, two appends: the batch holds the events of both.
    for (const request of ['req-a', 'req-b']) {
      await tracer.startActiveSpan(request, async (span) => {
        await fixture.store.append([deposit(1), deposit(2)]);
        span.end();
      });
    }
    const appends = telemetry.spans('append').map((s) => s.spanContext());
    expect(appends).toHaveLength(2);
    let inHandler: string | undefined;
    let delivered = 0;
    const subscription = stream.subscribe({ after: start, batchSize: 100, maxWaitMs: 50, name: 'traced' }, (batch) => {
      inHandler = trace.getActiveSpan()?.spanContext().spanId;
      delivered += batch.length;
    });
    await waitFor(() => delivered === 4, 15_000, 'four events delivered');
    await subscription.stop();
    const [deliver] = telemetry.spans('deliver');
    expect(deliver).toBeDefined();
    expect(deliver!.kind).toBe(SpanKind.CONSUMER);
    // The handler runs inside it: what it appends is a child of the delivery.
    expect(inHandler).toBe(deliver!.spanContext().spanId);
    expect(deliver!.attributes).toMatchObject({ 'tally.subscription': 'traced', 'messaging.batch.message_count': 4, 'tally.deliver.attempt': 1 });
    // One link per appending span, not one per event, and each to the right trace (a naive version links nothing,
    // or four times to the same two spans).
    expect(deliver!.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual(appends.map((a) => [a.traceId, a.spanId]));
    const latencies = await telemetry.points('tally.delivery.latency');
    const count = latencies.filter((p) => p.attributes['tally.subscription'] === 'traced').map((p) => (p.value as { count: number }).count);
    // One point per delivered batch (its oldest event's latency), not one per event.
    expect(count).toEqual([1]);
  });
});
