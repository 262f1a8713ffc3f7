import { hrTimeToMilliseconds, ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

const kinds = ['internal', 'server', 'client', 'producer', 'consumer'] as const;

/** One finished span as one line of JSON: what `OTEL_TRACES_EXPORTER=console` prints (pipe it to `jq`). */
export interface SpanLine {
  readonly span: {
    readonly name: string;
    readonly kind: (typeof kinds)[number];
    readonly traceId: string;
    readonly spanId: string;
    readonly parentSpanId: string | null;
    readonly service: string;
    readonly startTime: string;
    readonly durationMs: number;
    readonly status: 'unset' | 'ok' | 'error';
    readonly attributes: Record<string, unknown>;
    readonly links: readonly { readonly traceId: string; readonly spanId: string }[];
  };
}

/** Renders a finished span as a {@link SpanLine}. */
export function spanLine(span: ReadableSpan): SpanLine {
  const context = span.spanContext();
  return {
    span: {
      name: span.name,
      kind: kinds[span.kind] ?? 'internal',
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? null,
      service: String(span.resource.attributes['service.name'] ?? ''),
      startTime: new Date(hrTimeToMilliseconds(span.startTime)).toISOString(),
      durationMs: Math.round(hrTimeToMilliseconds(span.duration) * 1000) / 1000,
      status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
      attributes: { ...span.attributes },
      links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    },
  };
}

/** Writes each finished span to `write` (stdout by default) as one JSON line. */
export class JsonSpanExporter implements SpanExporter {
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(line)) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) this.write(JSON.stringify(spanLine(span)) + '\n');
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
