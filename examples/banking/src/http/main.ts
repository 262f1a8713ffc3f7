/**
 * The bank's HTTP API: `pnpm start:api`. Env: PORT (default 3000), HOST (default 127.0.0.1), DATABASE_URL
 * (default: an embedded PostgreSQL), RUN_PROJECTOR (1: run the projections in this process; the default
 * when the database is embedded, since no worker can reach it — otherwise run `pnpm start:worker`), and the
 * OpenTelemetry variables of {@link startTelemetry} (OTEL_TRACES_EXPORTER=console|otlp, OTEL_SERVICE_NAME, …).
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createBank, type Bank } from '../bank.js';
import { bankEncryptionKey } from '../encryption-key.js';
import { openDatabase, type Database } from '../database.js';
import { stopOnSignals } from '../shutdown.js';
import { startTelemetry } from '../telemetry/start-telemetry.js';
import { apiDecisionMode, buildApp } from './app.js';

const logger = pino({ name: 'bank-api' });
const telemetry = startTelemetry('bank-api');
if (telemetry.traces !== 'none' || telemetry.metrics !== 'none') logger.info({ traces: telemetry.traces, metrics: telemetry.metrics }, 'OpenTelemetry on');

function port(): number {
  const text = process.env.PORT ?? '3000';
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) throw new Error(`PORT must be an integer from 0 to 65535, got "${text}"`);
  return value;
}

const listenPort = port();
let database: Database | undefined;
let bank: Bank | undefined;
let app: FastifyInstance | undefined;

const started = (async () => {
  database = await openDatabase((line) => logger.info(line));
  bank = createBank({ connectionString: database.connectionString, decisionMode: apiDecisionMode, encryptionKey: bankEncryptionKey({ throwaway: database.embedded }) });
  await bank.migrate();
  if (database.embedded || process.env.RUN_PROJECTOR === '1') {
    await bank.startProjector({ logger });
    logger.info('projector running in this process');
  } else {
    logger.info('views are kept up to date by the worker: run `pnpm start:worker` with the same DATABASE_URL');
  }
  app = await buildApp(bank, { logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  await app.listen({ port: listenPort, host: process.env.HOST ?? '127.0.0.1' });
  logger.info(`OpenAPI description at http://${process.env.HOST ?? '127.0.0.1'}:${listenPort}/openapi.json`);
})();

// SIGINT, SIGTERM (also while starting): stop taking requests, then the projector and the pools, then the
// embedded server (its data folder is deleted); exit 0, or 1 if a step failed.
stopOnSignals(async () => {
  await started.catch(() => {});
  let failed = false;
  for (const step of [() => app?.close(), () => bank?.close(), () => database?.stop(), () => telemetry.shutdown()]) {
    try {
      await step();
    } catch (error) {
      failed = true;
      logger.error({ err: error }, 'shutdown step failed');
    }
  }
  if (failed) throw new Error('a shutdown step failed');
  logger.info('stopped');
}, (line) => logger.info(line));

try {
  await started;
} catch (error) {
  logger.error({ err: error }, 'could not start');
  await Promise.allSettled([app?.close(), bank?.close()]);
  await database?.stop().catch(() => {});
  process.exit(1);
}
