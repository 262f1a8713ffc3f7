import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../src/console/http-server.js';
import { createProjector, defineProjection, silentLogger } from '../src/index.js';
import type { BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

/** The console's JSON API and pages against a real projector, store and database (no mock). */
const { database, store, db } = await setupDatabase();

let poisonFixed = false;
const deposits = defineProjection<BankEvent, Record<string, { position: string }>>({
  name: 'console-deposits',
  version: 1,
  query: [{ types: ['MoneyDeposited'] }],
  onError: 'park',
  setup: async (trx) => {
    await sql`CREATE TABLE IF NOT EXISTS console_deposits (position bigint PRIMARY KEY)`.execute(trx);
  },
  reset: async (trx) => {
    await sql`DELETE FROM console_deposits`.execute(trx);
  },
  handle: async (events, trx) => {
    for (const event of events) {
      if (event.type === 'MoneyDeposited' && event.data.amount === 666 && !poisonFixed) throw new Error('amount 666 is poison <b>bold</b>');
      await sql`INSERT INTO console_deposits (position) VALUES (${event.position.toString()})`.execute(trx);
    }
  },
});
const projector = createProjector({ store, projections: [deposits], connectionString: database.url, pollIntervalMs: 50, maxAttempts: 1, logger: silentLogger });
await projector.start();

const TOKEN = 's3cret-token';
const servers: HttpServer[] = [];
const start = async (adminToken?: string) => {
  const server = await startHttpServer({
    projector,
    logger: silentLogger,
    port: 0,
    healthy: () => true,
    console: { store, connectionString: database.url, schema: 'tally', ...(adminToken ? { adminToken } : {}) },
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}`;
};
const admin = await start(TOKEN);
const readOnly = await start();
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await projector.stop();
});

type Json = Record<string, unknown>;
const getJson = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Json };
};
const positions = (body: Json) => (body['events'] as { position: string }[]).map((e) => Number(e.position));

// 30 deposits on two accounts (tags), 5 noise events; amount 666 (the 10th deposit) is poison.
const appended: bigint[] = [];
for (let i = 0; i < 30; i++) {
  const amount = i === 9 ? 666 : i + 1;
  const r = await store.append([{ type: 'MoneyDeposited', data: { accountId: `a${i % 2}`, amount }, tags: [`account:a${i % 2}`], metadata: { correlationId: `req-${Math.floor(i / 3)}` } }]);
  appended.push(...r.positions);
  if (i % 6 === 0) await store.append([{ type: 'Noise', data: { n: i } }]);
}

describe('the console JSON API', () => {
  it('lists the projections with state, owner, checkpoint and lag, and the horizon', async () => {
    expect(await eventually(async () => (await projector.status())[0]!.lagEvents === 0, 20_000)).toBe(true);
    const { status, body } = await getJson(`${admin}/api/projections`);
    expect(status).toBe(200);
    const [p] = body['projections'] as Json[];
    expect(p).toMatchObject({ name: 'console-deposits', state: 'running', owner: projector.workerId, ownedHere: true, lagEvents: 0, version: 1, parkedEvents: 1 });
    expect(p!['horizon']).toBeUndefined();
    // One status() serves every viewer for a moment (auto-refreshing pages do not multiply its queries).
    expect((await getJson(`${admin}/api/projections`)).body['readAt']).toBe(body['readAt']);
    const horizon = await getJson(`${admin}/api/horizon`);
    expect(horizon.status).toBe(200);
    expect(horizon.body).toMatchObject({ blockers: [], unsettledEvents: 0 });
  });

  it('pages the events by keyset, back and forward, filtered by type and tag', async () => {
    // Naive version caught: OFFSET paging, or a "before" page returned newest-first, would give other positions.
    const all = positions((await getJson(`${admin}/api/events?limit=500`)).body);
    expect(all).toHaveLength(35);
    const newest = await getJson(`${admin}/api/events?limit=10`);
    expect(positions(newest.body)).toEqual(all.slice(-10));
    expect(newest.body).toMatchObject({ older: true, newer: false });
    const older = await getJson(`${admin}/api/events?limit=10&before=${all.at(-10)}`);
    expect(positions(older.body)).toEqual(all.slice(-20, -10));
    expect(older.body).toMatchObject({ older: true, newer: true });
    const forward = await getJson(`${admin}/api/events?limit=10&after=${all.at(-11)}`);
    expect(positions(forward.body)).toEqual(all.slice(-10));
    expect(forward.body).toMatchObject({ older: true, newer: false });
    const first = await getJson(`${admin}/api/events?limit=10&after=0`.replace('after=0', `before=${all[10]}`));
    expect(positions(first.body)).toEqual(all.slice(0, 10));
    expect(first.body).toMatchObject({ older: false, newer: true });

    const tagged = await getJson(`${admin}/api/events?types=MoneyDeposited&tag=${encodeURIComponent('account:a1')}&limit=500`);
    expect(positions(tagged.body)).toEqual(appended.filter((_, i) => i % 2 === 1).map(Number));
    const noise = await getJson(`${admin}/api/events?types=Noise,AccountOpened`);
    expect((noise.body['events'] as Json[]).map((e) => e['type'])).toEqual(['Noise', 'Noise', 'Noise', 'Noise', 'Noise']);
  });

  it('shows one event with its correlation chain and causation ancestry', async () => {
    const [cause] = (await store.append([{ type: 'Noise', data: { n: 100 }, metadata: { correlationId: 'chain-1' } }])).positions;
    const causeEvent = (await getJson(`${admin}/api/events/${cause}`)).body['event'] as Json;
    const [effect] = (await store.append([{ type: 'Noise', data: { n: 101 }, metadata: { correlationId: 'chain-1', causationId: String(causeEvent['id']) } }])).positions;
    const { status, body } = await getJson(`${admin}/api/events/${effect}`);
    expect(status).toBe(200);
    const chain = body['chain'] as { correlated: Json[]; causes: Json[]; unresolvedCause: string | null };
    expect(chain.correlated.map((e) => e['position'])).toEqual([String(cause), String(effect)]);
    expect(chain.causes.map((e) => e['position'])).toEqual([String(cause)]);
    expect(chain.unresolvedCause).toBeNull();
    expect((await getJson(`${admin}/api/events/999999`)).body).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('refuses malformed input with 400 and a code; a tag is bound, never SQL text', async () => {
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=501', 'limit'],
      ['after=-1', 'after'],
      ['after=1e3', 'after'],
      ['after=9223372036854775808', 'after'],
      ['after=1&before=5', 'before'],
      ['tags=x', 'tags'],
      ['limit=1&limit=2', 'limit'],
      [`types=${'T'.repeat(201)}`, 'types'],
    ] as const) {
      const { status, body } = await getJson(`${admin}/api/events?${query}`);
      expect({ query, status, body }).toMatchObject({ status: 400, body: { error: { code: 'INVALID_REQUEST', parameter } } });
    }
    expect((await getJson(`${admin}/api/events/abc`)).body).toMatchObject({ error: { code: 'INVALID_REQUEST', parameter: 'position' } });
    const injection = await getJson(`${admin}/api/events?tag=${encodeURIComponent("x'] OR true; DROP TABLE tally.events; --")}&types=${encodeURIComponent("' OR ''='")}`);
    expect(injection).toMatchObject({ status: 200, body: { events: [] } });
    expect((await store.read()).events.length).toBeGreaterThan(35);
    expect((await getJson(`${admin}/api/projections/nope/parked`)).body).toMatchObject({ error: { code: 'UNKNOWN_PROJECTION' } });
  });

  it('retries a parked event only with the admin token, and never when no token is configured', async () => {
    const parked = await getJson(`${admin}/api/projections/console-deposits/parked`);
    const [event, ...held] = parked.body['parked'] as Json[];
    expect(event).toMatchObject({ state: 'parked', position: String(appended[9]), error: expect.stringContaining('poison') });
    // The later deposits of the poison's account (tag account:a1) wait behind it.
    expect(held.map((h) => [h['state'], h['position']])).toEqual(appended.filter((_, i) => i > 9 && i % 2 === 1).map((p) => ['held', String(p)]));
    const retry = (base: string, headers: Record<string, string>) =>
      fetch(`${base}/api/projections/console-deposits/retry`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ position: event!['position'] }) });
    poisonFixed = true;
    // Naive versions caught: an action without a token check, or one that trusts a token when none is configured.
    const refused = [await retry(readOnly, { 'x-tally-admin-token': TOKEN }), await retry(admin, {}), await retry(admin, { 'x-tally-admin-token': `${TOKEN}x` })];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(await Promise.all(refused.map(async (r) => ((await r.json()) as { error: { code: string } }).error.code))).toEqual(['CONSOLE_READ_ONLY', 'ADMIN_TOKEN_INVALID', 'ADMIN_TOKEN_INVALID']);
    expect((await projector.parked('console-deposits')).length).toBe(1 + held.length);
    // The HTML form route takes the token from the form, not the header; and a cross-site POST is refused.
    const crossSite = await fetch(`${admin}/projections/console-deposits/retry`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: `token=${TOKEN}`,
    });
    expect(crossSite.status).toBe(400);
    expect((await projector.parked('console-deposits')).length).toBe(1 + held.length);

    const ok = await retry(admin, { 'x-tally-admin-token': TOKEN });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ applied: [event!['position'], ...held.map((h) => h['position'])], failed: [], remaining: 0 });
    const { rows } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM console_deposits WHERE position = ${String(appended[9])}`.execute(db);
    expect(rows[0]!.n).toBe('1');
    // The action drops the shared status: the next read shows the park empty (naive: a cached "1 parked").
    const after = await getJson(`${admin}/api/projections`);
    expect(after.body['projections']).toMatchObject([{ parkedEvents: 0, heldEvents: 0 }]);
  });

  it('escapes event data in the HTML pages and serves them with a strict CSP', async () => {
    const [position] = (await store.append([{ type: 'Noise', data: { n: 1, html: '<script>window.pwned=1</script><img src=x onerror=alert(1)>' } as never, tags: ['<b>tag</b>'] }])).positions;
    for (const path of [`/events/${position}`, '/events?types=Noise', `/events?tag=${encodeURIComponent('<b>tag</b>')}`]) {
      const res = await fetch(`${admin}${path}`);
      const text = await res.text();
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(text).not.toContain('<script>window');
      expect(text).not.toContain('<img src=x');
      expect(text).not.toContain('<b>tag</b>');
      expect(text).toContain('&lt;b&gt;tag&lt;/b&gt;');
    }
    const page = await (await fetch(`${admin}/`)).text();
    expect(page).toContain('console-deposits');
    expect(page).not.toContain('<b>bold</b>');
  });

  it('answers only to a loopback Host while it listens on 127.0.0.1 (no DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${admin}/api/projections`, { headers: { host: 'attacker.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(400);
    expect((await fetch(`${admin}/health`)).status).toBe(200);
    expect(await (await fetch(`${admin}/metrics`)).text()).toContain('tally_projection_lag_events{projection="console-deposits"}');
  });
});
