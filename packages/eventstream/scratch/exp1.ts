import createSubscriberModule from 'pg-listen';
import pg from 'pg';
import { startEmbeddedServer, freePort } from '@tally/test-harness';

const createSubscriber = (createSubscriberModule as unknown as { default?: typeof createSubscriberModule }).default ?? createSubscriberModule;
const t0 = Date.now();
const log = (...a: unknown[]) => console.log(((Date.now() - t0) / 1000).toFixed(2), ...a);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  // initial connect failure
  const dead = await freePort();
  let retired = false;
  const s0 = createSubscriber({ connectionString: `postgres://postgres@127.0.0.1:${dead}/postgres` }, {
    retryTimeout: Infinity, parse: (x: string) => x,
    retryInterval: (n: number) => { log('s0 retryInterval', n); if (retired) throw new Error('retired'); return 300; },
  });
  s0.events.on('error', (e) => log('s0 error', e.message));
  s0.events.on('reconnect', (n) => log('s0 reconnect', n));
  s0.events.on('connected', () => log('s0 connected'));
  try { await s0.connect(); } catch (e) { log('s0 connect failed', (e as Error).message); }
  await sleep(1000);
  retired = true;
  await s0.close().then(() => log('s0 closed'), (e) => log('s0 close err', e.message));
  await sleep(1000);

  const server = await startEmbeddedServer();
  log('server up', server.url);
  const s = createSubscriber({ connectionString: server.url, application_name: 'exp-listener' }, {
    retryTimeout: Infinity, parse: (x: string) => x,
    retryInterval: (n: number) => { log('retryInterval', n); return 500; },
  });
  s.events.on('error', (e) => log('error', e.message));
  s.events.on('reconnect', (n) => log('reconnect', n));
  s.events.on('connected', () => log('connected'));
  s.events.on('notification', (n) => log('notification', n.channel, n.payload));
  await s.connect();
  await s.listenTo('chan');
  const c = new pg.Client({ connectionString: server.url });
  await c.connect();
  await c.query(`NOTIFY chan, 'one'`);
  await sleep(200);
  const r = await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'exp-listener'`);
  log('terminated', r.rowCount);
  await sleep(1500);
  await c.query(`NOTIFY chan, 'two'`);
  await sleep(300);
  await c.end();
  log('stopping server');
  await server.stop();
  log('server stopped');
  await sleep(2000);
  await server.start();
  log('server started');
  await sleep(2000);
  const c2 = new pg.Client({ connectionString: server.url });
  await c2.connect();
  await c2.query(`NOTIFY chan, 'three'`);
  await c2.end();
  await sleep(300);
  log('stopping server again, then close during outage');
  await server.stop();
  await sleep(1200);
  await s.close().then(() => log('closed'), (e) => log('close err', e.message));
  await server.destroy();
  log('destroyed; waiting for exit');
  const h = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  log('handles', h.map((x) => (x as object).constructor.name));
}
main();
