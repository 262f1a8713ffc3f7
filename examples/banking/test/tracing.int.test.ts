import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, trace } from '@opentelemetry/api';
import { installTestTelemetry } from '@tally/test-harness';
import { afterAll, describe, expect, it } from 'vitest';
import type { SpanLine } from '../src/telemetry/json-span-exporter.js';
import { serveBank } from './helpers.js';

/**
 * One trace from a bank's client to the projection that applied its request, across two processes: this one plays
 * the API (an SDK with an in-memory exporter), and a real `tally-projector` worker started as `pnpm start:worker`
 * does, with OTEL_TRACES_EXPORTER=console, prints its spans on stdout.
 */
const telemetry = installTestTelemetry();
const { database, app } = await serveBank();
let worker: ChildProcess | undefined;
let output = '';
afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await telemetry.uninstall();
});

function workerSpans(): SpanLine['span'][] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{"span":'))
    .map((line) => (JSON.parse(line) as SpanLine).span);
}

describe('tracing through the bank', () => {
  it("links the worker's projection batch to the append of the HTTP request that caused it", async () => {
    // A caller with its own trace, sending W3C trace context in the request.
    const client = trace.getTracer('client').startSpan('client', { kind: SpanKind.CLIENT });
    const { traceId, spanId: clientSpanId } = client.spanContext();
    const response = await app.inject({
      method: 'POST',
      url: '/accounts',
      headers: { traceparent: `00-${traceId}-${clientSpanId}-01` },
      payload: { customerName: 'Trace Tessa', initialDeposit: 12_00 },
    });
    client.end();
    expect(response.statusCode).toBe(201);

    const server = telemetry.spans('POST /accounts')[0]!;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(server.parentSpanContext?.spanId).toBe(clientSpanId);
    expect(server.attributes['http.response.status_code']).toBe(201);
    const decide = telemetry.spans('decide').find((s) => s.parentSpanContext?.spanId === server.spanContext().spanId);
    expect(decide).toBeDefined();
    const append = telemetry.spans('append').find((s) => s.parentSpanContext?.spanId === decide!.spanContext().spanId && s.attributes['tally.append.outcome'] === 'appended');
    expect(append).toBeDefined();
    expect(append!.spanContext().traceId).toBe(traceId);

    worker = spawn(join(process.cwd(), 'node_modules/.bin/tally-projector'), ['start', '--config', 'src/worker/projector.config.ts', '--worker-id', 'bank-trace-test'], {
      env: { ...process.env, DATABASE_URL: database.url, NODE_OPTIONS: '--import tsx', OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'bank-worker-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const appendSpanId = append!.spanContext().spanId;
    const linked = () => workerSpans().filter((s) => s.name === 'project' && s.links.some((l) => l.spanId === appendSpanId && l.traceId === traceId));
    const deadline = Date.now() + 30_000;
    while (linked().length === 0) {
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`no project span linked to the append; the worker's output:\n${output}`);
      await sleep(100);
    }
    // Every projection of the bank that reads account events applied it, each in a batch span of its own.
    const projections = linked().map((s) => s.attributes['tally.projection']);
    expect(projections.length).toBeGreaterThanOrEqual(1);
    for (const span of linked()) {
      expect(span.kind).toBe('consumer');
      expect(span.service).toBe('bank-worker-test');
      expect(span.attributes['tally.projection.batch_size']).toBeGreaterThanOrEqual(1);
    }

    worker.kill('SIGTERM');
    const [code] = (await once(worker, 'exit')) as [number | null];
    expect(code, output).toBe(0);
  });
});
