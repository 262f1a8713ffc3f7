import { createServer, type Server } from 'node:http';
import { Gauge, Registry } from 'prom-client';
import type { Projector } from '../create-projector.js';

/** Serves `/metrics` (Prometheus text format, computed from `status()` at each scrape) and `/health`. */
export async function startMetricsServer(projector: Projector, port: number, healthy: () => boolean): Promise<Server> {
  const registry = new Registry();
  const labelNames = ['projection'] as const;
  const lagEvents = new Gauge({ name: 'tally_projection_lag_events', help: 'Matching events not yet applied', labelNames, registers: [registry] });
  const lagSeconds = new Gauge({ name: 'tally_projection_lag_seconds', help: 'Age of the oldest event not yet applied', labelNames, registers: [registry] });
  const owned = new Gauge({ name: 'tally_projection_owned', help: '1 when this worker runs the projection', labelNames, registers: [registry] });
  const failed = new Gauge({ name: 'tally_projection_failed', help: '1 when the projection stopped on a failing handler', labelNames, registers: [registry] });
  const position = new Gauge({ name: 'tally_projection_checkpoint_position', help: 'Position of the checkpoint', labelNames, registers: [registry] });

  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (req.url === '/health') {
          const ok = healthy();
          res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
          return;
        }
        if (req.url === '/metrics') {
          for (const s of await projector.status()) {
            const labels = { projection: s.name };
            lagEvents.set(labels, s.lagEvents);
            lagSeconds.set(labels, s.lagSeconds);
            owned.set(labels, s.ownedHere ? 1 : 0);
            failed.set(labels, s.state === 'failed' ? 1 : 0);
            position.set(labels, Number(s.checkpoint.position));
          }
          res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
          return;
        }
        res.writeHead(404).end();
      } catch (error) {
        res.writeHead(500).end(String(error));
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return server;
}
