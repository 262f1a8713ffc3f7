import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { AppendConditionError, EventIdConflictError } from '../errors.js';
import type { AppendResult } from '../types.js';
import { meterInstruments } from './meter-instruments.js';
import { scopedTracer } from './scoped-tracer.js';
import { meterProviderOff } from './telemetry-off.js';

/** The instrumentation scope of the store's spans and metrics. */
export const STORE_SCOPE = '@tally/eventstore';

const tracer = scopedTracer(STORE_SCOPE);

const instruments = meterInstruments(STORE_SCOPE, (meter) => ({
  duration: meter.createHistogram('tally.append.duration', {
    description: 'Duration of appends, from the call to its result or error',
    unit: 's',
  }),
  conflicts: meter.createCounter('tally.append.conflicts', {
    description: 'Conditional appends refused because a matching event happened since the read',
    unit: '{append}',
  }),
}));

/** What an append ended with, as the `tally.append.outcome` attribute says it. */
export type AppendOutcomeName = 'appended' | 'duplicate' | 'condition-failed' | 'id-conflict' | 'error';

function outcomeOf(error: unknown): AppendOutcomeName {
  if (error instanceof AppendConditionError) return 'condition-failed';
  if (error instanceof EventIdConflictError) return 'id-conflict';
  return 'error';
}

/** What the span says about an append before it runs. */
export interface AppendDescription {
  readonly schema: string;
  readonly events: readonly { readonly type: unknown }[];
  readonly conditional: boolean;
}

/**
 * Runs `work` (one append) inside an `append` span (kind PRODUCER: its events are read later by subscribers and
 * projections, whose spans link back to it) that is the active context while it runs, so that the append stores it
 * in each event's metadata, and the spans of an instrumented driver are its children; records its duration and,
 * when refused, a conflict. With no SDK registered, it only runs `work`; with a meter provider and no tracer
 * provider, it makes no span (and switches no context).
 *
 * The attributes known before the append go in at the span's start (samplers see them); the metrics are recorded
 * once the span has ended. One promise chain, no async callback inside the span's: every promise counts when the
 * SDK's context manager watches them all (`bench:tracing`).
 */
export function traceAppend(description: AppendDescription, work: () => Promise<AppendResult>): Promise<AppendResult> {
  const spans = tracer();
  if (spans === undefined && meterProviderOff()) return work();
  const started = performance.now();
  const span = spans?.startSpan('append', { kind: SpanKind.PRODUCER, attributes: describe(description) });
  let running: Promise<AppendResult>;
  try {
    running = span === undefined ? work() : context.with(trace.setSpan(context.active(), span), work);
  } catch (error) {
    running = Promise.reject(error);
  }
  return running.then(
    (result) => {
      const outcome = result.duplicate ? 'duplicate' : 'appended';
      if (span?.isRecording()) span.setAttributes({ 'tally.append.last_position': result.lastPosition.toString(), 'tally.append.outcome': outcome });
      span?.end();
      record(description, started, outcome);
      return result;
    },
    (error: unknown) => {
      const outcome = outcomeOf(error);
      if (span?.isRecording()) {
        if (outcome === 'error' && error instanceof Error) span.recordException(error);
        span.setAttribute('tally.append.outcome', outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      }
      span?.end();
      record(description, started, outcome);
      throw error;
    },
  );
}

function record({ schema, conditional }: AppendDescription, started: number, outcome: AppendOutcomeName): void {
  const metrics = instruments();
  metrics.duration.record((performance.now() - started) / 1000, { 'tally.schema': schema, 'tally.append.outcome': outcome, 'tally.append.conditional': conditional });
  if (outcome === 'condition-failed') metrics.conflicts.add(1, { 'tally.schema': schema });
}

function describe({ schema, events, conditional }: AppendDescription): Attributes {
  const types = new Set<string>();
  // Before validation: an element may be anything (append([null]) must still fail as INVALID_EVENT, not here).
  for (const event of events) {
    const type = (event as { readonly type?: unknown } | null | undefined)?.type;
    if (typeof type === 'string') types.add(type);
  }
  return {
    'db.system.name': 'postgresql',
    'db.operation.name': 'append',
    'tally.schema': schema,
    'tally.append.event_count': events.length,
    'tally.append.event_types': [...types],
    'tally.append.conditional': conditional,
  };
}
