import type { Horizon } from '@tally/eventstore';
import type { ProjectionStatus } from '../types.js';

type Status = Omit<ProjectionStatus, 'horizon'>;
import { html, type Html } from './html.js';
import { actionForm, renderLayout, type PageContext } from './render-layout.js';

const seconds = (s: number) => (s === 0 ? '0 s' : s < 10 ? `${s.toFixed(2)} s` : `${Math.round(s)} s`);
const ms = (v: number | null) => (v === null ? 'hidden' : seconds(v / 1000));

function buildCell(s: Status): Html {
  if (s.build) {
    return html`building v${s.build.version} (${s.build.state}): ${s.build.lagEvents} events to go${s.build.lastError ? html`<div class="error">${s.build.lastError}</div>` : null}`;
  }
  if (s.state === 'rebuilding') return html`replaying in place: ${s.lagEvents} events to go`;
  return html`<span class="muted">—</span>`;
}

function projectionRow(s: Status, context: PageContext): Html {
  const parked = s.parkedEvents + s.heldEvents;
  const name = encodeURIComponent(s.name);
  return html`<tr data-projection="${s.name}">
<td>${s.name}</td>
<td class="state-${s.state}">${s.state}</td>
<td>${s.owner ?? html`<span class="muted">none</span>`}${s.ownedHere ? ' (this worker)' : null}</td>
<td class="num">${s.appliedPosition} / ${s.head}<div class="muted">txn ${s.checkpoint.transactionId}</div></td>
<td class="num">${s.lagEvents}${s.unsettledEvents > 0 ? html`<div class="muted">${s.unsettledEvents} unsettled</div>` : null}</td>
<td class="num">${seconds(s.lagSeconds)}</td>
<td class="num">${s.version}${s.storedVersion !== null && s.storedVersion !== s.version ? html` <span class="muted">(stored ${s.storedVersion})</span>` : null}</td>
<td>${buildCell(s)}</td>
<td class="num">${parked > 0 ? html`<a href="/projections/${name}/parked">${s.parkedEvents} parked, ${s.heldEvents} held</a>` : html`<a class="muted" href="/projections/${name}/parked">0</a>`}</td>
<td>${s.lastError ? html`<div class="error">${s.lastError}</div>` : null}${s.failedPosition !== null ? html`at <a href="/events/${s.failedPosition}">${s.failedPosition}</a>` : null}${
    context.actions && s.state === 'failed' ? actionForm(`/projections/${name}/resume`, 'Resume') : null
  }</td>
</tr>`;
}

/** The horizon: how far followers can read, and the transactions holding them back. */
export function renderHorizon(horizon: Horizon): Html {
  return html`<h2>Horizon</h2>
<p>Settled up to position ${horizon.settled.position} (transaction ${horizon.settled.transactionId}); ${horizon.unsettledEvents} committed events wait above it.</p>
${
  horizon.blockers.length === 0
    ? html`<p class="muted" id="no-blockers">Nothing holds the horizon back.</p>`
    : html`<table id="blockers"><thead><tr><th>transaction</th><th>pid</th><th>database</th><th>application</th><th>state</th><th>age</th><th>reason</th></tr></thead><tbody>${horizon.blockers.map(
        (b) =>
          html`<tr><td class="num">${b.transactionId}</td><td class="num">${b.pid ?? 'hidden'}</td><td>${b.database ?? 'hidden'}</td><td>${b.applicationName || html`<span class="muted">none</span>`}</td><td>${b.state ?? 'hidden'}</td><td class="num">${ms(b.transactionAgeMs)}</td><td>${b.reason}</td></tr>`,
      )}</tbody></table>`
}`;
}

/** The console's home page: every projection, then the horizon; refreshes itself every 5 s. */
export function renderProjectionsPage(statuses: readonly Status[], horizon: Horizon, readAt: string, context: PageContext): Html {
  const body = html`<p class="muted">Status read at ${readAt}.</p>
<table id="projections"><thead><tr>
<th>projection</th><th>state</th><th>owner</th><th>applied / head</th><th>lag (events)</th><th>lag (age)</th><th>version</th><th>rebuild</th><th>parked</th><th>last error</th>
</tr></thead><tbody>
${statuses.map((s) => projectionRow(s, context))}
</tbody></table>
${renderHorizon(horizon)}`;
  return renderLayout('Projections', body, { refreshSeconds: 5, context });
}
