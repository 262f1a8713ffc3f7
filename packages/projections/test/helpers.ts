import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createEventStore, DatabaseUnavailableError, type EventStore } from '@tally/eventstore';
import { createTestDatabase, testRandom, type TestDatabase } from '@tally/test-harness';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { BankEvent } from './fixtures/bank.js';

/** A fresh database for the test file, a store and a Kysely on it; all closed after the file. */
export async function setupDatabase(): Promise<{ database: TestDatabase; store: EventStore<BankEvent>; db: Kysely<unknown>; pool: pg.Pool }> {
  const database = await createTestDatabase();
  const store = createEventStore<BankEvent>({ connectionString: database.url, maxConnections: 8 });
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  // The database is dropped WITH (FORCE) after the file: a connection it ends must not crash the test process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  afterAll(async () => {
    await store.close();
    await db.destroy();
    await database.drop();
  });
  return { database, store, db, pool };
}

const workerScript = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A worker child process (`node --import tsx test/fixtures/worker.ts`). */
export interface WorkerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<number | null>;
}

const spawned = new Set<ChildProcess>();
// A failing test must not leave worker processes behind.
afterAll(() => {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

export function spawnWorker(url: string, id: string, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], {
    cwd: packageDir,
    env: { ...process.env, ...env, DATABASE_URL: url, WORKER_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}) before ready: ${stderr}`)));
  });
  ready.catch(() => {});
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { id, child, ready, exited };
}

/** Appends random bank events from `clients` concurrent appenders until `stop()`; returns what was appended. */
export function appendContinuously(
  store: EventStore<BankEvent>,
  accounts: number,
  clients = 4,
  pauseMs = 40,
  random: () => number = testRandom('appendContinuously'),
): { stop: () => Promise<number> } {
  let running = true;
  let appended = 0;
  let failure: unknown;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const batch: BankEvent[] = [];
      const size = 1 + Math.floor(random() * 5);
      for (let i = 0; i < size; i++) {
        const accountId = `a${Math.floor(random() * accounts)}`;
        const r = random();
        if (r < 0.1) batch.push({ type: 'Noise', data: { n: i } });
        else if (r < 0.2) batch.push({ type: 'AccountOpened', data: { accountId } });
        else if (r < 0.7) batch.push({ type: 'MoneyDeposited', data: { accountId, amount: 1 + Math.floor(random() * 1000) } });
        else batch.push({ type: 'MoneyWithdrawn', data: { accountId, amount: 1 + Math.floor(random() * 500) } });
      }
      await store.append(batch);
      appended += batch.length;
      await new Promise((resolve) => setTimeout(resolve, pauseMs * random()));
    }
  }).map((loop) =>
    loop.catch((error: unknown) => {
      running = false;
      failure ??= error;
    }),
  );
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      if (failure !== undefined) throw failure;
      return appended;
    },
  };
}

/** A `tally-projector` CLI child process (`node --import tsx src/cli/main.ts <args>`), its output collected. */
export function spawnCli(
  url: string,
  args: readonly string[],
  env: Record<string, string> = {},
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, ...env, DATABASE_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, output: () => output, exited };
}

/**
 * `clients` appenders appending 1-3 events at a time until `stop()`, across database outages: an append that
 * fails with {@link DatabaseUnavailableError} may have committed, so it is retried with the same event ids (an
 * idempotent retry). Any other error ends the run and is thrown by `stop()`. Returns the ids of every event
 * appended, and how many appends failed for want of a database.
 */
export function appendThroughOutages(
  store: EventStore<BankEvent>,
  clients = 8,
  random: () => number = testRandom('appendThroughOutages'),
): { stop: () => Promise<{ ids: string[]; unavailable: number }>; count: () => number } {
  let running = true;
  const ids: string[] = [];
  let unavailable = 0;
  let failure: unknown;
  const loops = Array.from({ length: clients }, async (_, client) => {
    while (running) {
      const batch = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        id: randomUUID(),
        type: 'MoneyDeposited' as const,
        data: { accountId: `r${client}`, amount: 1 + Math.floor(random() * 100) },
      }));
      for (;;) {
        try {
          await store.append(batch);
          break;
        } catch (error) {
          if (!(error instanceof DatabaseUnavailableError)) throw error;
          unavailable += 1;
          await sleep(50 + random() * 100);
        }
      }
      ids.push(...batch.map((event) => event.id));
      await sleep(random() * 20);
    }
  }).map((loop) =>
    loop.catch((error: unknown) => {
      running = false;
      failure ??= error;
    }),
  );
  return {
    count: () => ids.length,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      if (failure !== undefined) throw failure;
      return { ids, unavailable };
    },
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
