import { ConsoleRequestError } from '../errors.js';
import { checkAdminToken } from './check-admin-token.js';
import { consoleCss, consoleJs } from './console-assets.js';
import type { ConsoleAction, ConsoleData } from './console-data.js';
import type { Html } from './html.js';
import { parseActionBody, parseEventDetail, parseEventQuery, parseInteger, parsePosition, onlyKnown } from './parse-request.js';
import { renderEventPage, renderEventsPage } from './render-events.js';
import type { PageContext } from './render-layout.js';
import { renderParkedPage } from './render-parked.js';
import { renderProjectionsPage } from './render-projections.js';

/** A request as the routes see it: the body is read (and bounded) before, only for POST. */
export interface ConsoleRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly contentType: string | undefined;
  /** The `x-tally-admin-token` header (the JSON API's way to pass the token). */
  readonly tokenHeader: string | undefined;
  readonly body: string;
}

/** What a route answers. */
export type ConsoleReply =
  | { readonly kind: 'json'; readonly status: number; readonly value: unknown }
  | { readonly kind: 'html'; readonly status: number; readonly page: Html }
  | { readonly kind: 'asset'; readonly contentType: string; readonly text: string }
  | { readonly kind: 'redirect'; readonly location: string };

const actions: readonly ConsoleAction[] = ['retry', 'skip', 'resume'];

const segment = (text: string, parameter: string) => {
  try {
    const value = decodeURIComponent(text);
    if (value === '') throw new Error('empty');
    return value;
  } catch {
    throw new ConsoleRequestError('INVALID_REQUEST', `${parameter}: not a valid path segment`, parameter);
  }
};

const methodNotAllowed = (method: string) => new ConsoleRequestError('INVALID_REQUEST', `method ${method} is not allowed here`, 'method');

/**
 * The console's routes: HTML pages at `/…`, the same data as JSON at `/api/…`, actions as POST at
 * `…/projections/:name/(retry|skip|resume)`. Returns undefined for a path it does not know.
 * @throws {ConsoleRequestError} for bad input, a refused action, or an unknown event
 */
export async function routeConsole(request: ConsoleRequest, data: ConsoleData, options: { readonly adminToken: string | undefined }): Promise<ConsoleReply | undefined> {
  const context: PageContext = { actions: options.adminToken !== undefined && options.adminToken !== '' };
  const api = request.path === '/api' || request.path.startsWith('/api/');
  const path = api ? request.path.slice(4) || '/' : request.path;
  const parts = path.split('/').slice(1);
  const get = request.method === 'GET' || request.method === 'HEAD';
  const page = (p: Html, status = 200): ConsoleReply => ({ kind: 'html', status, page: p });
  const json = (value: unknown, status = 200): ConsoleReply => ({ kind: 'json', status, value });

  if (!api && (path === '/console.css' || path === '/console.js')) {
    if (!get) throw methodNotAllowed(request.method);
    return path === '/console.css' ? { kind: 'asset', contentType: 'text/css; charset=utf-8', text: consoleCss } : { kind: 'asset', contentType: 'text/javascript; charset=utf-8', text: consoleJs };
  }

  if (path === '/' || path === '/projections') {
    if (!get) throw methodNotAllowed(request.method);
    onlyKnown(request.params, []);
    const { projections, horizon, readAt } = await data.overview();
    if (api) return json({ projections, readAt });
    return page(renderProjectionsPage(projections, horizon, readAt, context));
  }

  if (api && path === '/horizon') {
    if (!get) throw methodNotAllowed(request.method);
    onlyKnown(request.params, []);
    return json(await data.horizon());
  }

  if (parts[0] === 'events' && parts.length <= 2) {
    if (!get) throw methodNotAllowed(request.method);
    if (parts.length === 1) {
      const query = parseEventQuery(request.params);
      const events = await data.events(query);
      return api ? json(events) : page(renderEventsPage(query, events, context));
    }
    const { position, window } = parseEventDetail(parts[1]!, request.params);
    const detail = await data.event(position, window);
    return api ? json(detail) : page(renderEventPage(detail.event, detail.chain, context));
  }

  if (parts[0] === 'projections' && parts.length === 3) {
    const name = segment(parts[1]!, 'name');
    const verb = parts[2]!;
    if (verb === 'parked') {
      if (!get) throw methodNotAllowed(request.method);
      if (api) {
        onlyKnown(request.params, []);
        return json({ parked: await data.parked(name) });
      }
      onlyKnown(request.params, ['applied', 'failed', 'remaining']);
      const count = (key: string) => parseInteger(request.params.get(key) ?? '0', key, 0, 1e9);
      const notice = request.params.has('applied') ? `${count('applied')} applied, ${count('failed')} failed again, ${count('remaining')} left in the park.` : undefined;
      return page(renderParkedPage(name, await data.parked(name), context, notice));
    }
    const action = actions.find((a) => a === verb);
    if (action) {
      if (request.method !== 'POST') throw methodNotAllowed(request.method);
      onlyKnown(request.params, []);
      const fields = parseActionBody(request.contentType, request.body);
      // The API takes the token in a header only, the HTML forms in a field: a cross-site page can neither set
      // the header (that needs a CORS preflight, which is never granted) nor know the token to put in a field.
      checkAdminToken(options.adminToken, api ? request.tokenHeader : fields.get('token'));
      const positionText = fields.get('position');
      const position = positionText === undefined || positionText === '' ? undefined : parsePosition(positionText, 'position');
      const outcome = await data.act(name, action, position);
      if (api) return json(outcome);
      if ('resumed' in outcome) return { kind: 'redirect', location: '/' };
      const counts = `applied=${outcome.applied.length}&failed=${outcome.failed.length}&remaining=${outcome.remaining}`;
      return { kind: 'redirect', location: `/projections/${encodeURIComponent(name)}/parked?${counts}` };
    }
  }
  return undefined;
}
