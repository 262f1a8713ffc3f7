import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from '@tally/test-harness';
import { describe, expect, it } from 'vitest';

/**
 * `pnpm start:api` from the repository root, on the embedded PostgreSQL, stopped by a signal as a process
 * manager (SIGTERM to the pnpm process) or a terminal's Ctrl-C (SIGINT to the whole process group) would.
 * Each hop of the root script (`pnpm` → `exec pnpm --filter …` → `exec node …`) passes the signal on, so
 * the API stops in order, the embedded server stops, its data folder is deleted, and everything exits 0.
 */
const root = join(process.cwd(), '../..');

interface Started {
  readonly child: ChildProcess;
  readonly apiPort: number;
  readonly pgPort: number;
  readonly dataDir: string;
  output(): string;
}

async function startApi(): Promise<Started> {
  const apiPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(apiPort), LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  // Its own process group: the SIGINT case signals the group, as a terminal does.
  const child = spawn('pnpm', ['start:api'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 90_000;
  while (!output.includes('OpenAPI description at')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the API did not start; its output:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const embedded = /embedded PostgreSQL on port (\d+), data in (\S+?)"/.exec(output);
  if (!embedded) throw new Error(`no embedded PostgreSQL in the output:\n${output}`);
  return { child, apiPort, pgPort: Number(embedded[1]), dataDir: embedded[2]!, output: () => output };
}

const exited = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function expectStoppedCleanly(started: Started, exit: { code: number | null; signal: NodeJS.Signals | null }): Promise<void> {
  const output = started.output();
  expect(exit, output).toEqual({ code: 0, signal: null });
  expect(existsSync(started.dataDir), `${started.dataDir} is left behind\n${output}`).toBe(false);
  expect(await listening(started.apiPort), 'the API still listens').toBe(false);
  expect(await listening(started.pgPort), 'the embedded PostgreSQL still listens').toBe(false);
  expect(output).toContain('"msg":"stopped"');
  expect(output).not.toContain('worker connection lost');
}

describe('pnpm start:api on the embedded PostgreSQL', () => {
  it('sent SIGTERM, exits 0, stops the API and the database, and deletes the data folder', async () => {
    const started = await startApi();
    expect(existsSync(started.dataDir)).toBe(true);
    expect(await listening(started.apiPort)).toBe(true);
    started.child.kill('SIGTERM'); // the pnpm process only, as a process manager sends it
    await expectStoppedCleanly(started, await exited(started.child));
  });

  it('sent SIGINT to its process group (Ctrl-C in a terminal), stops the same way', async () => {
    const started = await startApi();
    process.kill(-started.child.pid!, 'SIGINT');
    const exit = await exited(started.child);
    const output = started.output();
    expect(existsSync(started.dataDir), `${started.dataDir} is left behind\n${output}`).toBe(false);
    expect(await listening(started.apiPort)).toBe(false);
    expect(await listening(started.pgPort)).toBe(false);
    expect(exit, output).toEqual({ code: 0, signal: null });
  });
});
