import { createTraceState, TraceFlags, type Link } from '@opentelemetry/api';

/** How many links a batch span gets at most, unless its caller says otherwise. */
export const DEFAULT_MAX_LINKS = 32;

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const invalidTrace = '0'.repeat(32);
const invalidSpan = '0'.repeat(16);

/** What a link needs of an event: its metadata and position. */
export interface LinkableEvent {
  readonly position: bigint;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * Span links to the spans that appended `events`, read from the `traceparent` (and `tracestate`) each event's
 * metadata holds: one link per distinct appending span, in the order of the events, at most `max` of them.
 * Events without a valid `traceparent` (appended with no tracing, or by hand) give no link.
 */
export function appendLinks(events: readonly LinkableEvent[], max = DEFAULT_MAX_LINKS): Link[] {
  const links: Link[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (links.length >= max) break;
    const parent = event.metadata.traceparent;
    if (typeof parent !== 'string') continue;
    const match = traceparentPattern.exec(parent);
    if (!match) continue;
    const traceId = match[1]!;
    const spanId = match[2]!;
    const flags = match[3]!;
    if (traceId === invalidTrace || spanId === invalidSpan || seen.has(spanId)) continue;
    seen.add(spanId);
    const state = event.metadata.tracestate;
    links.push({
      context: {
        traceId,
        spanId,
        traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED,
        isRemote: true,
        ...(typeof state === 'string' && state !== '' ? { traceState: createTraceState(state) } : {}),
      },
      attributes: { 'tally.event.position': event.position.toString() },
    });
  }
  return links;
}
