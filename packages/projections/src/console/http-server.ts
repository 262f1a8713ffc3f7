import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventShape, EventStore, EventStoreTables } from '@tally/eventstore';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Projector } from '../create-projector.js';
import { ConsoleRequestError, ParkedEventNotFoundError, ProjectionError, UnknownProjectionError, coerceError } from '../errors.js';
import type { ProjectorLogger } from '../logger.js';
import { createConsoleData } from './console-data.js';
import { routeConsole, type ConsoleReply } from './console-routes.js';
import { html } from './html.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { MAX_BODY_BYTES } from './parse-request.js';
import { renderLayout } from './render-layout.js';

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  readonly projector: Projector;
  readonly logger: ProjectorLogger;
  readonly port: number;
  /** Interface to listen on; null: every interface (what `--metrics-port` alone has always done). @defaultValue '127.0.0.1' */
  readonly host?: string | null;
  /** False while shutting down: `/health` then answers 503. */
  readonly healthy: () => boolean;
  /**
   * The console and its JSON API (else only `/metrics` and `/health`): the store (for its horizon) and where
   * its events are (a pool of two connections is opened for the event browser, and closed with the server).
   */
  readonly console?: {
    readonly store: Pick<EventStore<EventShape>, 'horizon'>;
    readonly connectionString: string;
    readonly schema: string;
    /** Actions (retry, skip, resume) need this token; without it the console is read-only. */
    readonly adminToken?: string;
  };
}

/** A running server. */
export interface HttpServer {
  /** The port it listens on (the one asked for, or the one given for port 0). */
  readonly port: number;
  close(): Promise<void>;
}

const loopback = new Set(['127.0.0.1', '::1', 'localhost']);
const hostName = (host: string) => (host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0]!).toLowerCase();

const securityHeaders = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: with it Chromium sends `Origin: null` on the console's own form posts, which are then refused.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const jsonBody = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ConsoleRequestError('INVALID_REQUEST', `body: larger than ${MAX_BODY_BYTES} bytes`, 'body');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** An error as the client sees it: its status and code; anything not a projections error is hidden (and logged). */
function describe(error: unknown): { status: number; code: string; message: string; parameter?: string } {
  if (error instanceof ConsoleRequestError) return { status: error.status, code: error.code, message: error.message, ...(error.parameter ? { parameter: error.parameter } : {}) };
  if (error instanceof UnknownProjectionError || error instanceof ParkedEventNotFoundError) return { status: 404, code: error.code, message: error.message };
  if (error instanceof ProjectionError && error.code === 'INVALID_CONFIGURATION') return { status: 409, code: error.code, message: error.message };
  return { status: 500, code: 'INTERNAL', message: 'internal error: see the worker log' };
}

/**
 * The projector's one HTTP server: `/metrics` and `/health` always; with `console`, the web console at `/`
 * and its JSON API at `/api/…` (see `routeConsole`). Built on `node:http` (the package already served
 * `/metrics` with it; a framework would be a dependency of every user of the library).
 * While it listens on a loopback interface it answers only requests addressed to a loopback name (`Host`), so a
 * web page elsewhere cannot reach it by DNS rebinding.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host === undefined ? '127.0.0.1' : options.host;
  const metrics = createMetricsRegistry(options.projector);
  const pool = options.console ? new pg.Pool({ connectionString: options.console.connectionString, max: 2, application_name: 'tally-projector-console' }) : undefined;
  pool?.on('error', (error) => options.logger.warn({ err: error }, 'console pool connection error'));
  const events = pool ? new Kysely<EventStoreTables>({ dialect: new PostgresDialect({ pool }) }).withSchema(options.console!.schema) : undefined;
  const data = events && options.console ? createConsoleData(options.projector, options.console.store, events) : undefined;
  const adminToken = options.console?.adminToken;

  const send = (res: ServerResponse, reply: ConsoleReply) => {
    if (reply.kind === 'json') res.writeHead(reply.status, { ...securityHeaders, 'content-type': 'application/json; charset=utf-8' }).end(jsonBody(reply.value));
    else if (reply.kind === 'html') res.writeHead(reply.status, { ...securityHeaders, 'content-type': 'text/html; charset=utf-8' }).end(reply.page.text);
    else if (reply.kind === 'asset') res.writeHead(200, { ...securityHeaders, 'content-type': reply.contentType, 'cache-control': 'max-age=300' }).end(reply.text);
    else res.writeHead(303, { ...securityHeaders, location: reply.location }).end();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const api = url.pathname.startsWith('/api/') || url.pathname === '/api' || !data;
    try {
      if (host !== null && loopback.has(host)) {
        if (!loopback.has(hostName(req.headers.host ?? ''))) throw new ConsoleRequestError('INVALID_REQUEST', 'host: this console answers only to a loopback host name', 'host');
      }
      if (url.pathname === '/health') {
        const ok = options.healthy();
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
        return;
      }
      if (url.pathname === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.contentType }).end(await metrics.render());
        return;
      }
      const origin = req.headers.origin;
      if (req.method === 'POST' && origin !== undefined && (origin === 'null' || new URL(origin).host !== req.headers.host)) {
        throw new ConsoleRequestError('INVALID_REQUEST', 'origin: actions are accepted only from the console itself', 'origin');
      }
      const reply = data
        ? await routeConsole(
            {
              method: req.method ?? 'GET',
              path: url.pathname.length > 1 && url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname,
              params: url.searchParams,
              contentType: req.headers['content-type'],
              tokenHeader: typeof req.headers['x-tally-admin-token'] === 'string' ? req.headers['x-tally-admin-token'] : undefined,
              body: req.method === 'POST' ? await readBody(req) : '',
            },
            data,
            { adminToken },
          )
        : undefined;
      if (!reply) throw new ConsoleRequestError('NOT_FOUND', `no page at ${url.pathname}`, 'path');
      send(res, reply);
    } catch (error) {
      const { status, ...body } = describe(error);
      if (status === 500) options.logger.error({ err: coerceError(error), path: url.pathname }, 'console request failed');
      if (res.headersSent) return void res.end();
      if (api) send(res, { kind: 'json', status, value: { error: body } });
      else send(res, { kind: 'html', status, page: renderLayout(`Error ${status}`, html`<p class="error" id="error"><code>${body.code}</code> ${body.message}</p>`, { context: { actions: false } }) });
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, ...(host === null ? {} : { host }) }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await events?.destroy();
    },
  };
}
