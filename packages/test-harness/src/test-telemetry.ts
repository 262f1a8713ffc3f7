import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader, type DataPoint, type MetricData } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/** A metric reader that exports nothing: a test collects when it wants to look. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** The spans and metrics of a test process, as an application's SDK would see them. */
export interface TestTelemetry {
  /** Ended spans so far, in the order they ended; with `name`, only those. */
  spans(name?: string): ReadableSpan[];
  /** Forgets the spans ended so far. */
  reset(): void;
  /** The current data points of the metric `name` (all scopes), or an empty list. */
  points(name: string): Promise<DataPoint<unknown>[]>;
  /** The metric `name` as collected now, or undefined. */
  metric(name: string): Promise<MetricData | undefined>;
  /** Unregisters the SDK: the process is back to the API's no-op tracer, meter and propagator. */
  uninstall(): Promise<void>;
}

/**
 * Registers a real OpenTelemetry SDK globally in this process (the Node tracer provider with its
 * AsyncLocalStorage context manager and W3C propagator, and a meter provider), keeping finished spans in memory.
 * With `tracing: false`, only the meter provider: an application that exports metrics and no traces.
 */
export function installTestTelemetry({ tracing = true }: { readonly tracing?: boolean } = {}): TestTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  if (tracing) tracerProvider.register();
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  const metric = async (name: string): Promise<MetricData | undefined> => {
    const { resourceMetrics } = await reader.collect();
    for (const scope of resourceMetrics.scopeMetrics) {
      const found = scope.metrics.find((m) => m.descriptor.name === name);
      if (found) return found;
    }
    return undefined;
  };
  return {
    spans: (name) => exporter.getFinishedSpans().filter((span) => name === undefined || span.name === name),
    reset: () => exporter.reset(),
    metric,
    points: async (name) => ((await metric(name))?.dataPoints ?? []) as DataPoint<unknown>[],
    uninstall: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      propagation.disable();
      metrics.disable();
      context.disable();
    },
  };
}

export type { ReadableSpan };
