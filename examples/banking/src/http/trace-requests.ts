import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** The tracer of the provider registered now (a tracer kept from before would keep delegating to an old one). */
const tracer = () => trace.getTracer('@tally/example-banking');

/**
 * A SERVER span per request (`POST /accounts/:id/deposits`), continuing the caller's trace when the request carries
 * a W3C `traceparent` header. The route's handler runs with it as the active span, so the decision and the append it
 * leads to are its children (and the append stores it in the events' metadata, for the projections' spans to link
 * to). With no SDK registered, the span is a non-recording one.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    const span = tracer().startSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'url.path': request.url.split('?')[0] ?? '' } },
      parent,
    );
    spans.set(request, span);
    done();
  });
  // #region activate
  // Activated once the body is read: the body's stream events run in the socket's context, not in one set earlier.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (!span) return done();
    context.with(trace.setSpan(context.active(), span), done);
  });
  // #endregion activate
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      spans.delete(request);
    }
    done();
  });
}
