#!/usr/bin/env node
import { createEventStore, type EventShape, type EventStore } from '@tally/eventstore';
import { Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import { createProjector, type Projector } from '../create-projector.js';
import { coerceError } from '../errors.js';
import { loadConfig } from './config.js';
import { startHttpServer, type HttpServer } from '../console/http-server.js';

const logger = pino({ name: 'tally-projector' });

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
};

interface Opened {
  projector: Projector;
  store: EventStore<EventShape>;
  connectionString: string;
  schema: string;
  close: (stopTimeoutMs?: number) => Promise<void>;
}

async function open(configPath: string, workerId?: string): Promise<Opened> {
  const config = await loadConfig(configPath);
  const store = createEventStore<EventShape>({
    connectionString: config.connectionString,
    ...(config.schema ? { schema: config.schema } : {}),
    ...(config.horizonGraceMs === undefined ? {} : { horizonGraceMs: config.horizonGraceMs }),
    ...(config.upcasters === undefined ? {} : { upcasters: config.upcasters }),
    ...(config.personalData === undefined ? {} : { personalData: config.personalData }),
    ...(config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey }),
  });
  const projector = createProjector({
    store,
    projections: config.projections,
    connectionString: config.connectionString,
    logger,
    ...(workerId ? { workerId } : {}),
    ...(config.batchSize ? { batchSize: config.batchSize } : {}),
    ...(config.pollIntervalMs ? { pollIntervalMs: config.pollIntervalMs } : {}),
    ...(config.maxAttempts ? { maxAttempts: config.maxAttempts } : {}),
    ...(config.handlerTimeoutMs ? { handlerTimeoutMs: config.handlerTimeoutMs } : {}),
  });
  return {
    projector,
    store,
    connectionString: config.connectionString,
    schema: config.schema ?? 'tally',
    close: async (stopTimeoutMs) => {
      await projector.stop(stopTimeoutMs === undefined ? {} : { timeoutMs: stopTimeoutMs });
      await store.close();
    },
  };
}

const json = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);

interface StartOptions {
  config: string;
  metricsPort?: number;
  httpPort?: number;
  httpHost: string;
  adminToken?: string;
  workerId?: string;
  shutdownTimeout: number;
}

/**
 * `--http-port`: the console, its API, /metrics and /health, on `--http-host`; `--metrics-port`: /metrics and
 * /health on every interface, as before. The same port given to both is one server (the console's).
 */
async function startServers(opened: Opened, options: StartOptions, healthy: () => boolean): Promise<HttpServer[]> {
  const servers: HttpServer[] = [];
  const adminToken = options.adminToken ?? process.env.TALLY_ADMIN_TOKEN;
  if (options.httpPort !== undefined) {
    servers.push(
      await startHttpServer({
        projector: opened.projector,
        logger,
        port: options.httpPort,
        host: options.httpHost,
        healthy,
        console: { store: opened.store, connectionString: opened.connectionString, schema: opened.schema, ...(adminToken ? { adminToken } : {}) },
      }),
    );
  }
  if (options.metricsPort !== undefined && options.metricsPort !== options.httpPort) {
    servers.push(await startHttpServer({ projector: opened.projector, logger, port: options.metricsPort, host: null, healthy }));
  }
  return servers;
}

const program = new Command('tally-projector').description('Runs Tally projections');

program
  .command('start')
  .description('run projections until SIGTERM/SIGINT (several workers share them)')
  .requiredOption('--config <module>', 'module whose default export is { projections, connectionString? }')
  .option('--metrics-port <port>', 'serve Prometheus /metrics and /health on this port (every interface)', integer)
  .option('--http-port <port>', 'serve the web console at /, its JSON API at /api, /metrics and /health on this port', integer)
  .option('--http-host <host>', 'interface of --http-port', '127.0.0.1')
  .option('--admin-token <token>', 'allow the console\'s actions (retry, skip, resume) with this token (else read-only); prefer TALLY_ADMIN_TOKEN, which ps does not show')
  .option('--worker-id <id>', 'worker id shown in status and logs')
  .option('--shutdown-timeout <ms>', 'longest shutdown; batches in flight are abandoned after 3/4 of it', integer, 15_000)
  .action(async (options: StartOptions) => {
    const opened = await open(options.config, options.workerId);
    const { projector, close } = opened;
    let stopping = false;
    const servers = await startServers(opened, options, () => !stopping);
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: committing batches in flight');
      const timer = setTimeout(() => {
        logger.error({ timeoutMs: options.shutdownTimeout }, 'shutdown timed out');
        process.exit(1);
      }, options.shutdownTimeout);
      // Batches in flight get three quarters of the timeout to commit; a hung one is then abandoned (rolled back),
      // so the locks and pools close in the rest and the exit is clean.
      void close(Math.floor((options.shutdownTimeout * 3) / 4))
        .then(() => Promise.all(servers.map((server) => server.close())))
        .then(() => {
          clearTimeout(timer);
          logger.info('stopped');
          process.exit(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: coerceError(error) }, 'shutdown failed');
          process.exit(1);
        });
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));
    await projector.start();
    logger.info({ workerId: projector.workerId, metricsPort: options.metricsPort, httpPort: options.httpPort, httpHost: options.httpPort === undefined ? undefined : options.httpHost }, 'ready');
  });

program
  .command('status')
  .description('print every projection: state, checkpoint, lag, last error, owner')
  .requiredOption('--config <module>', 'config module')
  .action(async (options: { config: string }) => {
    const { projector, close } = await open(options.config);
    try {
      process.stdout.write(`${json(await projector.status())}\n`);
    } finally {
      await close();
    }
  });

program
  .command('rebuild <name>')
  .description('rebuild a projection from the start: beside its live tables when it names them (no downtime), else in place')
  .requiredOption('--config <module>', 'config module')
  .action(async (name: string, options: { config: string }) => {
    const { projector, close } = await open(options.config);
    try {
      await projector.rebuild(name);
      const [entry] = (await projector.status()).filter((s) => s.name === name);
      if (entry?.build) logger.info({ projection: name, schema: entry.build.schema }, 'build requested; a worker builds it beside the live tables and switches when caught up');
      else logger.info({ projection: name }, 'reset committed; replay follows in the worker');
    } finally {
      await close();
    }
  });

/** An operator command on `<name>`: opens the config's projector (not started), runs `work`, prints its result as JSON. */
function operatorAction<O extends { config: string }>(work: (projector: Projector, name: string, options: O) => Promise<unknown>) {
  return async (name: string, options: O) => {
    const { projector, close } = await open(options.config);
    try {
      process.stdout.write(`${json(await work(projector, name, options))}\n`);
    } finally {
      await close();
    }
  };
}

const position = (value: string) => {
  if (!/^[1-9]\d{0,18}$/.test(value)) throw new InvalidArgumentError('must be an event position (a positive integer)');
  return BigInt(value);
};

program
  .command('parked <name>')
  .description('list the events a projection parked (its handler kept failing) or holds behind them')
  .requiredOption('--config <module>', 'config module')
  .action(operatorAction((projector, name) => projector.parked(name)));

program
  .command('retry <name>')
  .description('re-apply parked events (all, or --position) after a fix, in order; held events behind them follow')
  .requiredOption('--config <module>', 'config module (of the fixed version: the handler runs here)')
  .option('--position <position>', 'only the parked event at this position', position)
  .action(
    operatorAction((projector, name, options: { config: string; position?: bigint }) =>
      projector.retryParked(name, options.position === undefined ? {} : { position: options.position }),
    ),
  );

program
  .command('skip <name>')
  .description('acknowledge a parked event without applying it (recorded); the events held behind it are applied')
  .requiredOption('--config <module>', 'config module')
  .requiredOption('--position <position>', 'position of the parked event', position)
  .action(operatorAction((projector, name, options: { config: string; position: bigint }) => projector.skipParked(name, { position: options.position })));

program
  .command('resume <name>')
  .description('let a projection stopped on a failing event continue from its checkpoint (after a fix), without a rebuild')
  .requiredOption('--config <module>', 'config module')
  .action(operatorAction(async (projector, name) => ({ resumed: await projector.resume(name) })));

program.parseAsync().catch((error: unknown) => {
  logger.error({ err: coerceError(error) }, 'tally-projector failed');
  process.exitCode = 1;
});
