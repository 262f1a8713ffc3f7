import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { appendLinks, DEFAULT_MAX_LINKS, scopedTracer, type SettledCheckpoint } from '@tally/eventstore';
import { formatCheckpoint } from '@tally/eventstream';
import type { ParkTarget } from '../schema/tables.js';

/** The instrumentation scope of the projector's spans and metrics. */
export const PROJECTOR_SCOPE = '@tally/projections';

const tracer = scopedTracer(PROJECTOR_SCOPE);

/** What a batch read, as the `project` span describes it. */
export interface ProjectBatchRead {
  readonly events: readonly { readonly position: bigint; readonly metadata: Readonly<Record<string, unknown>> }[];
  readonly from: SettledCheckpoint;
  readonly checkpoint: SettledCheckpoint;
}

/**
 * The `project` span of one projection batch (kind CONSUMER). It is started only once the batch has read
 * something (a poll that finds nothing makes no span), back-dated to the batch's start, and linked to the
 * `append` spans of the events it read (from their `traceparent`, at most {@link DEFAULT_MAX_LINKS}). The handler
 * runs with it as the active span. With no tracer provider registered, it makes no span and parses nothing.
 */
export class ProjectBatchTrace {
  private readonly startTime = Date.now();
  private span: Span | undefined;

  constructor(
    private readonly projection: string,
    private readonly target: ParkTarget,
  ) {}

  /** Starts the span for what the batch read. */
  begin({ events, from, checkpoint }: ProjectBatchRead): void {
    if (this.span) return;
    this.span = tracer()?.startSpan('project', {
      kind: SpanKind.CONSUMER,
      startTime: this.startTime,
      links: appendLinks(events, DEFAULT_MAX_LINKS),
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.batch.message_count': events.length,
        'tally.projection': this.projection,
        'tally.projection.target': this.target,
        'tally.projection.batch_size': events.length,
        'tally.projection.from': formatCheckpoint(from),
        'tally.projection.checkpoint': formatCheckpoint(checkpoint),
      },
    });
  }

  /** Runs `work` (the handler) with the span as the active one. */
  within<T>(work: () => Promise<T>): Promise<T> {
    return this.span ? context.with(trace.setSpan(context.active(), this.span), work) : work();
  }

  /** Ends the span with the batch's outcome (`more`, `caught-up`, `moved`). */
  ended<T extends string>(outcome: T): T {
    this.span?.setAttribute('tally.projection.outcome', outcome);
    this.span?.end();
    return outcome;
  }

  /** Ends the span as failed; returns `error` for the caller to rethrow. */
  failed(error: unknown): unknown {
    if (this.span?.isRecording()) {
      this.span.setAttribute('tally.projection.outcome', 'error');
      if (error instanceof Error) this.span.recordException(error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    this.span?.end();
    return error;
  }
}
