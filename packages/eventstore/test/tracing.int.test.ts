import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { installTestTelemetry, type TestTelemetry } from '@tally/test-harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppendConditionError, appendLinks, type EventMetadata } from '../src/index.js';
import { setupStore } from './helpers.js';

let ctx: Awaited<ReturnType<typeof setupStore>>;
let telemetry: TestTelemetry;
beforeAll(async () => {
  telemetry = installTestTelemetry();
  ctx = await setupStore();
});
afterAll(() => telemetry.uninstall());
beforeEach(() => telemetry.reset());

const tracer = trace.getTracer('test');
const opened = (id: string) => ({ type: 'AccountOpened' as const, data: { accountId: id, customerName: 'Ada', currency: 'EUR' }, tags: [`account:${id}`] });

describe('append span and trace context', () => {
  it('appends inside an `append` span, child of the caller, and stores that span as traceparent in each event', async () => {
    const parent = await tracer.startActiveSpan('request', async (span) => {
      await ctx.store.append([opened('t1'), { type: 'MoneyDeposited', data: { accountId: 't1', amount: 5 }, tags: ['account:t1'] }], {
        metadata: { correlationId: 'req-1' },
      });
      span.end();
      return span.spanContext();
    });
    const [append] = telemetry.spans('append');
    expect(append).toBeDefined();
    expect(append!.kind).toBe(SpanKind.PRODUCER);
    expect(append!.spanContext().traceId).toBe(parent.traceId);
    expect(append!.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(append!.attributes).toMatchObject({
      'tally.schema': 'tally',
      'tally.append.event_count': 2,
      'tally.append.event_types': ['AccountOpened', 'MoneyDeposited'],
      'tally.append.conditional': false,
      'tally.append.outcome': 'appended',
    });
    const { events } = await ctx.store.read([{ tags: ['account:t1'] }]);
    const { traceId, spanId } = append!.spanContext();
    for (const event of events) {
      // The append span, not the caller's: a naive version storing the context of the call would point at `request`.
      expect(event.metadata.traceparent).toBe(`00-${traceId}-${spanId}-01`);
      expect(event.metadata.correlationId).toBe('req-1');
    }
    // And the links built from them point back at it, once per appending span.
    expect(appendLinks(events).map((l) => l.context.spanId)).toEqual([spanId]);
  });

  it("never overwrites a user's own traceparent", async () => {
    const own = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await ctx.store.append([{ ...opened('t2'), metadata: { traceparent: own } }, opened('t3')]);
    const { events } = await ctx.store.read([{ tags: ['account:t2'] }, { tags: ['account:t3'] }]);
    expect(events[0]!.metadata.traceparent).toBe(own);
    expect(events[1]!.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('keeps metadata keys that plain assignment would lose (an own "__proto__" from JSON.parse) when it adds the traceparent', async () => {
    const metadata = JSON.parse('{"__proto__": {"source": "import"}, "correlationId": "c-proto"}') as EventMetadata;
    await ctx.store.append([{ ...opened('t6'), metadata }]);
    const { events } = await ctx.store.read([{ tags: ['account:t6'] }]);
    expect(JSON.stringify(events[0]!.metadata)).toContain('"__proto__":{"source":"import"}');
    expect(events[0]!.metadata.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('refuses a batch that is not events with the typed error while tracing, before the span describes it', async () => {
    // Naive version caught: the span's description read `.type` of each element first (TypeError on null).
    await expect(ctx.store.append([null as never])).rejects.toMatchObject({ code: 'INVALID_EVENT' });
  });

  it('marks a refused conditional append: outcome, error status, a conflict counted, its duration recorded', async () => {
    const query = [{ tags: ['account:t4'] }];
    const { head } = await ctx.store.read(query);
    await ctx.store.append([opened('t4')]);
    await expect(ctx.store.append([opened('t4')], { condition: { query, after: head } })).rejects.toBeInstanceOf(AppendConditionError);
    const refused = telemetry.spans('append').at(-1)!;
    expect(refused.attributes['tally.append.conditional']).toBe(true);
    expect(refused.attributes['tally.append.outcome']).toBe('condition-failed');
    expect(refused.status.code).toBe(SpanStatusCode.ERROR);
    const conflicts = await telemetry.points('tally.append.conflicts');
    expect(conflicts.map((p) => p.value)).toEqual([1]);
    const durations = await telemetry.points('tally.append.duration');
    const refusedDurations = durations.filter((p) => p.attributes['tally.append.outcome'] === 'condition-failed');
    expect(refusedDurations).toHaveLength(1);
    expect((refusedDurations[0]!.value as { count: number }).count).toBe(1);
  });

  it('stores no trace context when no SDK is registered', async () => {
    await telemetry.uninstall();
    await tracer.startActiveSpan('request', async (span) => {
      await ctx.store.append([opened('t5')]);
      span.end();
    });
    const { events } = await ctx.store.read([{ tags: ['account:t5'] }]);
    // A naive version that always writes the active span's context would store an all-zero traceparent here.
    expect(events[0]!.metadata).not.toHaveProperty('traceparent');
    expect(events[0]!.metadata).not.toHaveProperty('tracestate');
  });

  it('follows the SDK the application registers next: a new provider gets the spans, a meter alone gets metrics and no span', async () => {
    await telemetry.uninstall();
    const metricsOnly = installTestTelemetry({ tracing: false });
    try {
      await tracer.startActiveSpan('request', async (span) => {
        await ctx.store.append([opened('t8')]);
        span.end();
      });
      const durations = await metricsOnly.points('tally.append.duration');
      expect(durations.map((p) => (p.value as { count: number }).count)).toEqual([1]);
      const { events } = await ctx.store.read([{ tags: ['account:t8'] }]);
      expect(events[0]!.metadata).not.toHaveProperty('traceparent');
    } finally {
      await metricsOnly.uninstall();
    }
    // A tracer kept from the first SDK would send these spans to its exporter, not to the new one.
    telemetry = installTestTelemetry();
    await ctx.store.append([opened('t9')]);
    const [span] = telemetry.spans('append');
    expect(span?.attributes['tally.append.outcome']).toBe('appended');
    const { events } = await ctx.store.read([{ tags: ['account:t9'] }]);
    expect(events[0]!.metadata.traceparent).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
  });
});
