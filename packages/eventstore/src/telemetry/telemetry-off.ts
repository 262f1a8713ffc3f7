import { createNoopMeter, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';

const noopTracerProvider = new ProxyTracerProvider().getDelegate();
const noopMeter = createNoopMeter();

/**
 * True when the application registered neither a tracer provider nor a meter provider (no SDK): then every span
 * would be a non-recording one and every instrument a no-op, and the tracing code can skip its work entirely.
 * (An API of another version than this package's may hide a registered SDK: then this says false, and the
 * tracing code runs, as it must.)
 */
export function telemetryOff(): boolean {
  const tracers = trace.getTracerProvider();
  if (!(tracers instanceof ProxyTracerProvider) || tracers.getDelegate() !== noopTracerProvider) return false;
  return metrics.getMeterProvider().getMeter('@tally/eventstore') === noopMeter;
}
