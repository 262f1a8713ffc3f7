import { SpanStatusCode } from '@opentelemetry/api';
import { scopedTracer } from '@tally/eventstore';
import { DecisionConflictError, DecisionRejectedError } from '../errors.js';

/** The instrumentation scope of the decisions' spans. */
export const DECISIONS_SCOPE = '@tally/decisions';

const tracer = scopedTracer(DECISIONS_SCOPE);

/** What a `decide` span needs of a handled command's result. */
interface Handled {
  readonly events: readonly unknown[];
  readonly attempts: number;
  readonly duplicate: boolean;
}

/**
 * Runs `work` (one `handler.handle()`) inside a `decide` span: the reads and the appends of every attempt are its
 * children, and it says how many attempts the decision took and how it ended (`tally.decision.outcome`: `appended`,
 * `nothing` when it decided no events, `duplicate`, `rejected`, `conflict` after the last attempt, `error`).
 */
export function traceDecision<R extends Handled>(decision: { readonly name: string; readonly mode: string }, work: () => Promise<R>): Promise<R> {
  const spans = tracer();
  if (spans === undefined) return work();
  return spans.startActiveSpan('decide', async (span) => {
    const recording = span.isRecording();
    if (recording) span.setAttributes({ 'tally.decision.name': decision.name, 'tally.decision.mode': decision.mode });
    try {
      const result = await work();
      if (recording) {
        span.setAttributes({
          'tally.decision.attempts': result.attempts,
          'tally.decision.event_count': result.events.length,
          'tally.decision.outcome': result.duplicate ? 'duplicate' : result.events.length === 0 ? 'nothing' : 'appended',
        });
      }
      return result;
    } catch (error) {
      if (recording) {
        if (error instanceof DecisionRejectedError) {
          span.setAttribute('tally.decision.outcome', 'rejected');
          span.setAttribute('tally.decision.rejection', error.reason);
        } else if (error instanceof DecisionConflictError) {
          span.setAttributes({ 'tally.decision.outcome': 'conflict', 'tally.decision.attempts': error.attempts });
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        } else {
          span.setAttribute('tally.decision.outcome', 'error');
          if (error instanceof Error) span.recordException(error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
        }
      }
      throw error;
    } finally {
      span.end();
    }
  });
}
