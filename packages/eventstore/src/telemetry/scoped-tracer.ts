import { ProxyTracerProvider, trace, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { noopTracerProvider } from './telemetry-off.js';

/**
 * The tracer of `scope` on the tracer provider registered now, or `undefined` while none is (the API's no-op:
 * its spans would record nothing, and making one active would only cost the context switch). The tracer is
 * kept until another provider is registered: `getTracer` builds a key and looks it up on every call, a
 * measurable part of a traced append (`bench:tracing`), and a tracer taken from the proxy before the SDK was
 * registered would stay a no-op.
 *
 * @example
 * const tracer = scopedTracer('@tally/eventstore');
 * const span = tracer()?.startSpan('append');
 */
export function scopedTracer(scope: string): () => Tracer | undefined {
  let provider: TracerProvider | undefined;
  let delegate: TracerProvider | undefined;
  let tracer: Tracer | undefined;
  return () => {
    const current = trace.getTracerProvider();
    // Another copy of the API may register a proxy this one does not know: then ask it every time.
    if (!(current instanceof ProxyTracerProvider)) return current.getTracer(scope);
    const now = current.getDelegate();
    if (current !== provider || now !== delegate) {
      provider = current;
      delegate = now;
      tracer = now === noopTracerProvider ? undefined : now.getTracer(scope);
    }
    return tracer;
  };
}
