import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { JsonSpanExporter } from './json-span-exporter.js';

/** What {@link startTelemetry} turned on. */
export interface Telemetry {
  readonly traces: 'console' | 'otlp' | 'none';
  readonly metrics: 'console' | 'otlp' | 'none';
  /** Exports what is buffered now; spans and metrics keep being recorded. */
  flush(): Promise<void>;
  /** Exports what is buffered and stops the exporters. */
  shutdown(): Promise<void>;
}

type Exporter = 'console' | 'otlp' | 'none';

function exporterOf(variable: string, env: NodeJS.ProcessEnv): Exporter {
  const value = (env[variable] ?? 'none').trim().toLowerCase();
  if (value === 'console' || value === 'otlp' || value === 'none') return value;
  throw new Error(`${variable} must be console, otlp or none, got "${env[variable]}"`);
}

/**
 * Registers an OpenTelemetry SDK for this process from the standard `OTEL_*` variables, so that the spans and
 * metrics of the Tally libraries (which use only `@opentelemetry/api`) are exported. Nothing is registered when
 * both exporters are `none` (the default): the libraries then cost nothing.
 *
 * - `OTEL_TRACES_EXPORTER`: `console` (one JSON line per span on stdout), `otlp` (OTLP/HTTP to
 *   `OTEL_EXPORTER_OTLP_ENDPOINT`, default http://localhost:4318, or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), `none`.
 * - `OTEL_METRICS_EXPORTER`: `console`, `otlp`, `none`; every `OTEL_METRIC_EXPORT_INTERVAL` ms (default 60000).
 * - `OTEL_SERVICE_NAME`: the `service.name` resource attribute (default `serviceName`).
 *
 * @throws Error when a variable holds a value it does not know
 */
export function startTelemetry(serviceName: string, env: NodeJS.ProcessEnv = process.env): Telemetry {
  const traces = exporterOf('OTEL_TRACES_EXPORTER', env);
  const metricsExporter = exporterOf('OTEL_METRICS_EXPORTER', env);
  const resource = resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || serviceName });
  const stops: (() => Promise<void>)[] = [];
  const flushes: (() => Promise<void>)[] = [];
  // #region traces
  if (traces !== 'none') {
    // The console exporter writes each span as it ends; OTLP sends them in batches.
    const processor: SpanProcessor = traces === 'console' ? new SimpleSpanProcessor(new JsonSpanExporter()) : new BatchSpanProcessor(new OTLPTraceExporter());
    const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
    // Also sets the AsyncLocalStorage context manager and the W3C trace-context propagator the store writes with.
    provider.register();
    stops.push(() => provider.shutdown());
    flushes.push(() => provider.forceFlush());
  }
  // #endregion traces
  if (metricsExporter !== 'none') {
    const exporter: PushMetricExporter = metricsExporter === 'console' ? new ConsoleMetricExporter() : new OTLPMetricExporter();
    const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000);
    const provider = new MeterProvider({
      resource,
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: Number.isFinite(interval) && interval > 0 ? interval : 60_000 })],
    });
    metrics.setGlobalMeterProvider(provider);
    stops.push(() => provider.shutdown());
    flushes.push(() => provider.forceFlush());
  }
  return {
    traces,
    metrics: metricsExporter,
    flush: async () => {
      await Promise.allSettled(flushes.map((flush) => flush()));
    },
    shutdown: async () => {
      await Promise.allSettled(stops.map((stop) => stop()));
    },
  };
}
