import type { Horizon } from '@tally/eventstore';
import { describe, expect, it } from 'vitest';
import type { ConsoleEvent } from '../sql/console-event.js';
import type { ProjectionStatus } from '../types.js';
import { escapeHtml, html, queryString } from './html.js';
import { renderEventPage, renderEventsPage } from './render-events.js';
import { renderParkedPage } from './render-parked.js';
import { renderProjectionsPage } from './render-projections.js';

const hostile = `<script>alert("x")</script>'"&<img src=x onerror=alert(1)>`;

const event = (position: string, over: Partial<ConsoleEvent> = {}): ConsoleEvent => ({
  position,
  transactionId: '900',
  id: '00000000-0000-4000-8000-000000000001',
  type: hostile,
  data: { note: hostile },
  tags: [hostile],
  metadata: { correlationId: hostile, causationId: hostile },
  occurredAt: '2026-12-01T12:00:00.000Z',
  ...over,
});

const horizon: Horizon = {
  settled: { transactionId: 10n, position: 5n },
  blockers: [{ transactionId: 11n, pid: 42, database: 'bank', applicationName: hostile, state: 'idle in transaction', transactionAgeMs: 12_500, reason: 'within-grace' }],
  unsettledEvents: 3,
};

const status: Omit<ProjectionStatus, 'horizon'> = {
  name: hostile,
  version: 2,
  storedVersion: 1,
  state: 'failed',
  checkpoint: { transactionId: 9n, position: 4n },
  head: 10n,
  appliedPosition: 4n,
  lagEvents: 6,
  unsettledEvents: 3,
  lagSeconds: 1.5,
  lastError: hostile,
  failedPosition: 5n,
  parkedEvents: 1,
  heldEvents: 2,
  owner: hostile,
  ownedHere: false,
  build: null,
};

/** No raw markup from the hostile string may survive: only its escaped form. */
function expectEscaped(page: string) {
  expect(page).not.toContain('<script>alert');
  expect(page).not.toContain('<img src=x');
  expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;&lt;img src=x onerror=alert(1)&gt;');
}

describe('the console HTML', () => {
  it('escapes every interpolated value, and nothing that html`` built', () => {
    // Naive version caught: string concatenation without escaping (the <script> would run in the page).
    expect(escapeHtml(hostile)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&quot;&amp;&lt;img src=x onerror=alert(1)&gt;');
    const inner = html`<b>${hostile}</b>`;
    expect(html`<p>${inner}${[1, null, false, undefined, 2n]}</p>`.text).toBe(`<p><b>${escapeHtml(hostile)}</b>12</p>`);
    expect(html`<a title="${'" onmouseover="x'}">`.text).toBe('<a title="&quot; onmouseover=&quot;x">');
  });

  it('renders the projections page, horizon and actions escaped', () => {
    const page = renderProjectionsPage([status], horizon, hostile, { actions: true }).text;
    expectEscaped(page);
    expect(page).toContain('<meta http-equiv="refresh" content="5">');
    expect(page).toContain(`/projections/${escapeHtml(encodeURIComponent(hostile))}/resume`);
    expect(page).toContain('<td class="num">42</td>');
    expect(page).toContain('<td class="num">13 s</td>');
    expect(renderProjectionsPage([status], horizon, hostile, { actions: false }).text).not.toContain('/resume');
  });

  it('renders parked events, the browser and one event escaped; actions only when enabled', () => {
    const parked = [{ projection: hostile, version: 1, position: 5n, transactionId: 9n, eventId: 'e', type: hostile, tags: [hostile], state: 'parked' as const, heldBy: null, error: hostile, attempts: 3, parkedAt: new Date(0) }];
    const withActions = renderParkedPage(hostile, parked, { actions: true }).text;
    expectEscaped(withActions);
    expect(withActions).toContain('name="position" value="5"');
    expect(withActions).toContain('type="password" name="token"');
    expect(renderParkedPage(hostile, parked, { actions: false }).text).not.toContain('method="post"');

    const query = { filter: { types: [hostile], tag: hostile }, before: 10n, limit: 2 };
    const browser = renderEventsPage(query, { events: [event('8'), event('9')], older: true, newer: true }, { actions: false }).text;
    expectEscaped(browser);
    // Paging links keep the filter, URL-encoded, and page by position (keyset), never by offset.
    expect(browser).toContain(`href="/events${escapeHtml(queryString({ types: hostile, tag: hostile, limit: 2, before: '8' }))}"`);
    expect(browser).toContain(`href="/events${escapeHtml(queryString({ types: hostile, tag: hostile, limit: 2, after: '9' }))}"`);

    const detail = renderEventPage(event('9'), { correlated: [event('8'), event('9')], window: 10_000, causes: [event('8')], unresolvedCause: hostile }, { actions: false }).text;
    expectEscaped(detail);
    expect(detail).toContain('window=100000');
  });
});
