import type { ParkedEvent } from '../types.js';
import { html, type Html } from './html.js';
import { actionForm, renderLayout, type PageContext } from './render-layout.js';

/** A projection's parked and held events, with retry and skip (when actions are enabled). */
export function renderParkedPage(name: string, parked: readonly ParkedEvent[], context: PageContext, notice?: string): Html {
  const base = `/projections/${encodeURIComponent(name)}`;
  const rows = parked.map(
    (p) => html`<tr data-position="${p.position}">
<td class="num"><a href="/events/${p.position}">${p.position}</a></td><td>${p.type}</td><td>${p.tags.join(', ')}</td>
<td>${p.state}${p.heldBy !== null ? html` behind <a href="/events/${p.heldBy}">${p.heldBy}</a>` : null}</td>
<td class="num">${p.attempts}</td><td>${p.error ? html`<div class="error">${p.error}</div>` : null}</td><td>${p.parkedAt.toISOString()}</td>
<td>${context.actions ? html`${p.state === 'parked' ? actionForm(`${base}/retry`, 'Retry', { position: p.position.toString() }) : null} ${actionForm(`${base}/skip`, 'Skip', { position: p.position.toString() })}` : html`<span class="muted">read-only</span>`}</td>
</tr>`,
  );
  const body = html`${notice ? html`<p class="notice" id="notice">${notice}</p>` : null}
${
  parked.length === 0
    ? html`<p id="none-parked">Nothing parked.</p>`
    : html`${context.actions ? html`<p>${actionForm(`${base}/retry`, 'Retry all')}</p>` : null}
<table id="parked"><thead><tr><th>position</th><th>type</th><th>tags</th><th>state</th><th>attempts</th><th>error</th><th>parked at</th><th>actions</th></tr></thead><tbody>${rows}</tbody></table>`
}`;
  return renderLayout(`Parked events of ${name}`, body, { context });
}
