import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { appendLinks, DEFAULT_MAX_LINKS, meterInstruments, telemetryOff, type LinkableEvent } from '@tally/eventstore';

/** The instrumentation scope of the stream's spans and metrics. */
export const STREAM_SCOPE = '@tally/eventstream';

/** The tracer of the provider registered now (a tracer kept from before would keep delegating to an old one). */
const tracer = () => trace.getTracer(STREAM_SCOPE);

const instruments = meterInstruments(STREAM_SCOPE, (meter) => ({
  latency: meter.createHistogram('tally.delivery.latency', {
    description: "Time from an event's append (its occurredAt) to the start of the handler it is delivered to",
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
 * each event's delivery latency. With no SDK registered, it only runs `work`.
 */
export async function traceDelivery<T>(description: DeliveryDescription, work: () => T | Promise<T>): Promise<T> {
  if (telemetryOff()) return work();
  const { subscription, batch, attempt, checkpoint } = description;
  const now = Date.now();
  const { latency } = instruments();
  const attributes = { 'tally.subscription': subscription };
  for (const event of batch) latency.record(Math.max(0, now - event.occurredAt.getTime()) / 1000, attributes);
  return tracer().startActiveSpan('deliver', { kind: SpanKind.CONSUMER }, async (span) => {
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
