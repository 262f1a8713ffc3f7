import { metrics, type Meter, type MeterProvider } from '@opentelemetry/api';

/**
 * Instruments of one instrumentation scope, created on the meter of the global `MeterProvider` that is registered
 * now, and created again when the application registers another one. (The metrics API has no proxy provider: an
 * instrument taken from the no-op meter before the application's SDK starts would stay a no-op forever.)
 *
 * @example
 * const instruments = meterInstruments('@tally/eventstore', (meter) => ({ appends: meter.createCounter('tally.appends') }));
 * instruments().appends.add(1);
 */
export function meterInstruments<T>(scope: string, create: (meter: Meter) => T): () => T {
  let provider: MeterProvider | undefined;
  let created: T | undefined;
  return () => {
    const current = metrics.getMeterProvider();
    if (current !== provider || created === undefined) {
      provider = current;
      created = create(current.getMeter(scope));
    }
    return created;
  };
}
