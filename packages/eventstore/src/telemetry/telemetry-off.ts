import { createNoopMeter, metrics, ProxyTracerProvider, trace, type MeterProvider } from '@opentelemetry/api';

/** The provider the API's proxy delegates to while no SDK registered one. */
export const noopTracerProvider = new ProxyTracerProvider().getDelegate();
const noopMeter = createNoopMeter();

let meterProvider: MeterProvider | undefined;
let meterOff = true;

/** True while no tracer provider is registered (checked on the API's proxy: cheap enough for every append). */
function tracerProviderOff(): boolean {
  const tracers = trace.getTracerProvider();
  return tracers instanceof ProxyTracerProvider && tracers.getDelegate() === noopTracerProvider;
}

/** True while no meter provider is registered; asked of the provider once, when it changes. */
export function meterProviderOff(): boolean {
  const current = metrics.getMeterProvider();
  if (current !== meterProvider) {
    meterProvider = current;
    meterOff = current.getMeter('@tally/eventstore') === noopMeter;
  }
  return meterOff;
}

/**
 * True when the application registered neither a tracer provider nor a meter provider (no SDK): then every span
 * would be a non-recording one and every instrument a no-op, and the tracing code can skip its work entirely.
 * (An API of another version than this package's may hide a registered SDK: then this says false, and the
 * tracing code runs, as it must.)
 */
export function telemetryOff(): boolean {
  return tracerProviderOff() && meterProviderOff();
}
