import { html, type Html } from './html.js';

/** What every page knows: whether actions are offered (an admin token is configured). */
export interface PageContext {
  readonly actions: boolean;
}

/**
 * The page around a console view: no external resource (CSS and the few lines of JS are served by the console
 * itself), optionally refreshing itself every `refreshSeconds`.
 */
export function renderLayout(title: string, body: Html, options: { readonly refreshSeconds?: number; readonly context: PageContext }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}">` : null}
<title>${title} · tally-projector</title>
<link rel="stylesheet" href="/console.css">
<script src="/console.js" defer></script>
</head>
<body>
<header><strong>tally-projector</strong>
<nav><a href="/">Projections</a> <a href="/events">Events</a> <a href="/api/projections">JSON</a></nav>
<span class="mode">${options.context.actions ? 'actions enabled (admin token)' : 'read-only'}</span>
</header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** An action button: a POST form carrying the admin token (filled in from the page's token field by console.js). */
export function actionForm(action: string, label: string, fields: Record<string, string> = {}): Html {
  return html`<form method="post" action="${action}" class="action">${Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<input type="password" name="token" placeholder="admin token" autocomplete="off" required><button type="submit">${label}</button></form>`;
}
