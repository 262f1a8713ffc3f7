import type { EventPage } from '../sql/browse-events.js';
import type { ConsoleEvent } from '../sql/console-event.js';
import { html, jsonText, queryString, type Html } from './html.js';
import { MAX_CHAIN_WINDOW, type EventQuery } from './parse-request.js';
import { renderLayout, type PageContext } from './render-layout.js';

const summary = (data: unknown) => {
  const text = JSON.stringify(data) ?? '';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
};

function eventsTable(events: readonly ConsoleEvent[], id: string): Html {
  return html`<table id="${id}"><thead><tr><th>position</th><th>type</th><th>tags</th><th>data</th><th>occurred at</th></tr></thead><tbody>${events.map(
    (e) =>
      html`<tr data-position="${e.position}"><td class="num"><a href="/events/${e.position}">${e.position}</a></td><td>${e.type}</td><td>${e.tags.join(', ')}</td><td><code>${summary(e.data)}</code></td><td>${e.occurredAt}</td></tr>`,
  )}</tbody></table>`;
}

/** The event browser: a filter by types and tag, one keyset page, links to the older and newer pages. */
export function renderEventsPage(query: EventQuery, page: EventPage, context: PageContext): Html {
  const types = query.filter.types.join(',');
  const keep = { types, tag: query.filter.tag, limit: query.limit === 50 ? null : query.limit };
  const first = page.events[0]?.position;
  const last = page.events.at(-1)?.position;
  const body = html`<form class="filter" method="get" action="/events">
<label>types <input name="types" value="${types}" placeholder="AccountOpened,MoneyDeposited"></label>
<label>tag <input name="tag" value="${query.filter.tag ?? ''}" placeholder="account:…"></label>
<button type="submit">Search</button></form>
<div class="paging">
${page.older && first ? html`<a id="older" href="/events${queryString({ ...keep, before: first })}">← older</a>` : html`<span class="muted">← older</span>`}
${page.newer && last ? html`<a id="newer" href="/events${queryString({ ...keep, after: last })}">newer →</a>` : html`<span class="muted">newer →</span>`}
<a href="/events${queryString(keep)}">newest</a>
</div>
${page.events.length === 0 ? html`<p id="no-events">No matching events.</p>` : eventsTable(page.events, 'events')}`;
  return renderLayout('Events', body, { context });
}

/** What `/events/:position` shows beside the event: the events of its correlationId, and its causation ancestry. */
export interface EventChain {
  /** Events sharing the event's `metadata.correlationId`, within `window` positions of it (null: it has none). */
  readonly correlated: readonly ConsoleEvent[] | null;
  readonly window: number;
  /** The event its `metadata.causationId` names, then that one's cause, and so on (nearest first). */
  readonly causes: readonly ConsoleEvent[];
  /** A causationId that names no stored event (e.g. a command id), where the ancestry stops. */
  readonly unresolvedCause: string | null;
}

/** One event: its data, tags and metadata, and its correlation/causation chain. */
export function renderEventPage(event: ConsoleEvent, chain: EventChain, context: PageContext): Html {
  const correlationId = event.metadata['correlationId'];
  const body = html`<table id="event"><tbody>
<tr><th>position</th><td>${event.position}</td></tr>
<tr><th>transaction</th><td>${event.transactionId}</td></tr>
<tr><th>id</th><td>${event.id}</td></tr>
<tr><th>type</th><td>${event.type}</td></tr>
<tr><th>tags</th><td>${event.tags.map((t) => html`<a href="/events${queryString({ tag: t })}">${t}</a> `)}</td></tr>
<tr><th>occurred at</th><td>${event.occurredAt}</td></tr>
</tbody></table>
<h2>Data</h2><pre id="data">${jsonText(event.data)}</pre>
<h2>Metadata</h2><pre id="metadata">${jsonText(event.metadata)}</pre>
<h2>Causation</h2>
${chain.causes.length === 0 && chain.unresolvedCause === null ? html`<p class="muted">No causationId.</p>` : null}
${chain.causes.length > 0 ? eventsTable(chain.causes, 'causes') : null}
${chain.unresolvedCause !== null ? html`<p class="muted">caused by ${chain.unresolvedCause} (not an event of this store)</p>` : null}
<h2>Correlation</h2>
${
  chain.correlated === null
    ? html`<p class="muted">No correlationId.</p>`
    : html`<p>Events with correlationId <code>${String(correlationId)}</code> within ${chain.window} positions (<a href="/events/${event.position}${queryString({ window: Math.min(MAX_CHAIN_WINDOW, Math.max(1000, chain.window * 10)) })}">look further</a>):</p>${eventsTable(chain.correlated, 'correlated')}`
}`;
  return renderLayout(`Event ${event.position}`, body, { context });
}
