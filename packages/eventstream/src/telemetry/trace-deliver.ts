import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { appendLinks, DEFAULT_MAX_LINKS, meterInstruments, scopedTracer, telemetryOff, type LinkableEvent } from '@tally/eventstore';

/** The instrumentation scope of the stream's spans and metrics. */
export const STREAM_SCOPE = '@tally/eventstream';

const tracer = scopedTracer(STREAM_SCOPE);

const instruments = meterInstruments(STREAM_SCOPE, (meter) => ({
  latency: meter.createHistogram('tally.delivery.latency', {
    description: "Time from the append of a batch's oldest event (its occurredAt) to the start of the handler it is delivered to, one value per handler call (a batch, again at each retry)",
    unit: 's',
  }),
}));

/** What a delivery span needs of an event. */
export interface TracedEvent extends LinkableEvent {
  readonly occurredAt: Date;
}

/** The batch being delivered, as the `deliver` span describes it. */
export interface DeliveryDescription {
  readonly subscription: string;
  readonly batch: readonly TracedEvent[];
  readonly attempt: number;
  readonly checkpoint: string;
}

/**
 * Runs `work` (one attempt of a batch's handler) inside a `deliver` span (kind CONSUMER), linked to the `append`
 * spans that wrote the batch's events (from the `traceparent` in their metadata, at most {@link DEFAULT_MAX_LINKS}), and records
 * the batch's delivery latency: that of its oldest event, the one that waited longest. One value per batch, not per
 * event: an SDK hashes a point's attributes at every record, and with a point per event a catch-up in batches of
 * 100 ran at 0.87× with the meter alone (`bench:tracing`, one run). With no SDK registered, it only runs `work`;
 * with no tracer provider, it records the latency and makes no span.
 */
export async function traceDelivery<T>(description: DeliveryDescription, work: () => T | Promise<T>): Promise<T> {
  if (telemetryOff()) return work();
  const { subscription, batch, attempt, checkpoint } = description;
  const now = Date.now();
  const { latency } = instruments();
  let oldest = now;
  for (const event of batch) oldest = Math.min(oldest, event.occurredAt.getTime());
  latency.record((now - oldest) / 1000, { 'tally.subscription': subscription });
  const spans = tracer();
  if (spans === undefined) return work();
  return spans.startActiveSpan('deliver', { kind: SpanKind.CONSUMER }, async (span) => {
    if (span.isRecording()) {
      span.setAttributes({
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': batch.length,
        'tally.subscription': subscription,
        'tally.batch.first_position': batch[0]!.position.toString(),
        'tally.batch.last_position': batch[batch.length - 1]!.position.toString(),
        'tally.batch.checkpoint': checkpoint,
        'tally.deliver.attempt': attempt,
      });
      span.addLinks(appendLinks(batch, DEFAULT_MAX_LINKS));
    }
    try {
      return await work();
    } catch (error) {
      if (span.isRecording()) {
        if (error instanceof Error) span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      throw error;
    } finally {
      span.end();
    }
  });
}
