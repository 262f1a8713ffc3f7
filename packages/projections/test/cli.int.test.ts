import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tally/test-harness';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { balanceLines, foldBalances, plain, readBalances, type BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase, spawnCli } from './helpers.js';

const { database, store, db } = await setupDatabase();
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const children: ReturnType<typeof spawn>[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function cli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--config', 'test/fixtures/cli-config.ts'], {
    cwd: packageDir,
    env: { ...process.env, DATABASE_URL: database.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => stdout, exited };
}

describe('tally-projector CLI', () => {
  it('start runs the config, serves /metrics and /health, status and rebuild work, SIGTERM exits 0', async () => {
    const port = await freePort();
    const worker = cli(['start', '--metrics-port', String(port), '--worker-id', 'cli-1']);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 20_000)).toBe(true);

    const events: BankEvent[] = Array.from({ length: 60 }, (_, i) => ({ type: 'MoneyDeposited', data: { accountId: `c${i % 3}`, amount: i } }));
    await store.append(events);
    const expected = balanceLines(foldBalances(events));
    expect(await eventually(async () => balanceLines(await readBalances(db, 'cli_balances')).join() === expected.join(), 15_000)).toBe(true);

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toContain('tally_projection_lag_events{projection="cli-balances"} 0');
    expect(metrics).toContain('tally_projection_owned{projection="cli-balances"} 1');

    const status = cli(['status']);
    expect(await status.exited).toBe(0);
    const parsed = JSON.parse(status.output().slice(status.output().indexOf('['))) as { name: string; owner: string; state: string }[];
    expect(parsed[0]).toMatchObject({ name: 'cli-balances', owner: 'cli-1', state: 'running' });

    const rebuild = cli(['rebuild', 'cli-balances']);
    expect(await rebuild.exited).toBe(0);
    const { events: all } = await store.read();
    expect(await eventually(async () => balanceLines(await readBalances(db, 'cli_balances')).join() === balanceLines(foldBalances(plain(all))).join(), 15_000)).toBe(true);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('"msg":"stopped"');
  });

  it('start --http-port serves the console, its API, /metrics and /health on 127.0.0.1; the same --metrics-port is that one server', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    // Same port for both: one server (a second listen on the port would fail with EADDRINUSE and the worker exit).
    const worker = cli(['start', '--http-port', String(port), '--metrics-port', String(port), '--worker-id', 'cli-http']);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 20_000)).toBe(true);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('tally_projection_owned{projection="cli-balances"} 1');
    const api = (await (await fetch(`${base}/api/projections`)).json()) as { projections: { name: string; owner: string }[] };
    expect(api.projections).toMatchObject([{ name: 'cli-balances', owner: 'cli-http' }]);
    const page = await fetch(`${base}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('read-only');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);

    // Different ports: the console on --http-port, and /metrics alone on --metrics-port (every interface, as before).
    const both = cli(['start', '--http-port', String(port), '--metrics-port', String(metricsPort), '--worker-id', 'cli-http-2']);
    expect(await eventually(async () => both.output().includes('"msg":"ready"'), 20_000)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/projections`)).status).toBe(404);
    expect((await fetch(`${base}/api/horizon`)).status).toBe(200);
    both.child.kill('SIGTERM');
    expect(await both.exited).toBe(0);
  });

  it('names the transaction holding the horizon in status and in /metrics', async () => {
    const port = await freePort();
    const worker = cli(['start', '--metrics-port', String(port), '--worker-id', 'cli-2']);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 20_000)).toBe(true);
    const holder = await db.startTransaction().execute();
    try {
      await sql`SELECT pg_current_xact_id()`.execute(holder);
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(holder);
      const pid = rows[0]!.pid;
      await store.append([{ type: 'MoneyDeposited', data: { accountId: 'held', amount: 1 } }]);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // the holder is a second old
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const blocked = /^tally_horizon_blocked_seconds (\S+)$/m.exec(metrics);
      expect(Number(blocked?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(new RegExp(`tally_horizon_blocker_seconds\\{[^}]*pid="${pid}"[^}]*reason="within-grace"`));
      expect(metrics).toContain('tally_projection_unsettled_events{projection="cli-balances"} 1');

      const status = cli(['status']);
      expect(await status.exited).toBe(0);
      const parsed = JSON.parse(status.output().slice(status.output().indexOf('['))) as { lagEvents: number; horizon: { blockers: { pid: number }[] } }[];
      expect(parsed[0]!.lagEvents).toBe(1);
      expect(parsed[0]!.horizon.blockers.map((b) => b.pid)).toContain(pid);
    } finally {
      await holder.rollback().execute();
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('parked, retry, skip and resume: an operator deals with a poison event from the command line', async () => {
    const parkConfig = ['--config', 'test/fixtures/park-config.ts'];
    const port = await freePort();
    const worker = spawnCli(database.url, ['start', '--worker-id', 'cli-park', '--metrics-port', String(port), ...parkConfig]);
    expect(await eventually(async () => worker.output().includes('"msg":"ready"'), 20_000)).toBe(true);
    const amounts = [5, 1313, 8, 21, 1313];
    const { positions } = await store.append(amounts.map((amount) => ({ type: 'MoneyDeposited', data: { accountId: 'p', amount } })));
    const mine = positions.map(String);
    const parkedOutput = async () => {
      const run = spawnCli(database.url, ['parked', 'cli-deposits', ...parkConfig]);
      expect(await run.exited).toBe(0);
      const all = JSON.parse(run.output().slice(run.output().indexOf('['))) as { position: string; state: string; error: string }[];
      return all.filter((p) => mine.includes(p.position));
    };
    // No tags on these events: nothing is held, both 1313s are parked, the rest applied.
    expect(await eventually(async () => (await parkedOutput()).length === 2, 30_000)).toBe(true);
    expect((await parkedOutput()).map((p) => [p.position, p.state])).toEqual([
      [String(positions[1]), 'parked'],
      [String(positions[4]), 'parked'],
    ]);
    const applied = async () =>
      (await sql<{ amount: number }>`SELECT amount FROM cli_deposits WHERE position = ANY(${mine}::bigint[]) ORDER BY position`.execute(db)).rows.map((r) => r.amount);
    expect(await applied()).toEqual([5, 8, 21]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/tally_projection_parked_events\{projection="cli-deposits"\} [1-9]/);

    const badSkip = spawnCli(database.url, ['skip', 'cli-deposits', '--position', String(positions[0]! + 1000n), ...parkConfig]);
    expect(await badSkip.exited).toBe(1);
    expect(badSkip.output()).toContain('PARKED_EVENT_NOT_FOUND');
    const skip = spawnCli(database.url, ['skip', 'cli-deposits', '--position', String(positions[4]), ...parkConfig]);
    expect(await skip.exited).toBe(0);
    const retry = spawnCli(database.url, ['retry', 'cli-deposits', ...parkConfig], { POISON_FIXED: '1' });
    expect(await retry.exited).toBe(0);
    const printed = retry.output().slice(retry.output().indexOf('{\n'), retry.output().indexOf('\n}') + 2);
    expect(JSON.parse(printed)).toMatchObject({ applied: [String(positions[1])], failed: [], remaining: 0 });
    expect(await applied()).toEqual([5, 1313, 8, 21]);
    expect(await parkedOutput()).toEqual([]);

    const resume = spawnCli(database.url, ['resume', 'cli-deposits', ...parkConfig]);
    expect(await resume.exited).toBe(0);
    expect(resume.output()).toContain('"resumed": false');
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
