import { context, propagation } from '@opentelemetry/api';

/** The metadata keys an append stores the active trace context under (W3C Trace Context). */
export const TRACE_CONTEXT_KEYS = ['traceparent', 'tracestate'] as const;

/**
 * The active trace context as the registered propagator writes it (`traceparent`, and `tracestate` if any), or
 * `undefined` when there is nothing to store: no span is active, or no propagator is registered (no SDK).
 */
export function activeTraceContext(): Readonly<Record<string, string>> | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/** `metadata` with the trace context's keys added where the caller did not set them (a user's own key wins). */
export function withTraceContext<M extends Readonly<Record<string, unknown>>>(metadata: M, trace: Readonly<Record<string, string>>): M {
  let added: Record<string, string> | undefined;
  for (const key of TRACE_CONTEXT_KEYS) {
    const value = trace[key];
    if (value === undefined || metadata[key] !== undefined) continue;
    (added ??= {})[key] = value;
  }
  if (added === undefined) return metadata;
  // Object.assign, not a spread then new keys (V8's slow path, and this runs for every traced event); but assigning
  // an own "__proto__" key (JSON.parse makes those) would set the copy's prototype and lose the key: a spread then.
  return (Object.hasOwn(metadata, '__proto__') ? { ...metadata, ...added } : Object.assign({}, metadata, added)) as M;
}
