import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppendConditionError, createEventStore, type EventStore } from '@tally/eventstore';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler, DecisionRejectedError, defineDecision, isRejection, type HandlerMode } from '../src/index.js';
import { count, withdraw, type TestEvent } from './fixtures/counter.js';

let database: TestDatabase;
let store: EventStore<TestEvent>;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createEventStore<TestEvent>({ connectionString: database.url, maxConnections: 8 });
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

const worker = fileURLToPath(new URL('./fixtures/count-worker.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

function runWorker(mode: HandlerMode, key: string, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', worker, mode, key, String(n)], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: database.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`))));
  });
}

async function seqs(key: string): Promise<number[]> {
  const { events } = await store.read([{ types: ['Counted'], tags: [`counter:${key}`] }]);
  return events.map((e) => e.data.seq);
}

describe('createCommandHandler: every decide sees the state of all previous ones', () => {
  for (const mode of ['optimistic', 'locked'] as const) {
    it(`${mode}: 50 concurrent commands on one key from three processes and this one number 1..50 without gap or repeat`, async () => {
      const key = `hot-${mode}`;
      const handler = createCommandHandler(store, { mode, maxAttempts: 200 });
      const here = Promise.all(Array.from({ length: 14 }, () => handler.handle(count, { key, by: 'test' })));
      await Promise.all([runWorker(mode, key, 12), runWorker(mode, key, 12), runWorker(mode, key, 12), here]);
      expect((await seqs(key)).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });
  }

  it('runs concurrent commands of one process on one key one after another, from the carried state, without conflicts', async () => {
    const handler = createCommandHandler(store, { maxAttempts: 1 }); // a single conflict would fail a command
    const results = await Promise.all(Array.from({ length: 30 }, () => handler.handle(count, { key: 'in-process', by: 'test' })));
    expect(results.map((r) => r.attempts)).toEqual(Array(30).fill(1));
    expect(await seqs('in-process')).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe('locked decisions on a small pool', () => {
  it('never wait for a second connection while holding the locks (fresh store: the head secret is not loaded yet; snapshots on)', async () => {
    const small = createEventStore<TestEvent>({ connectionString: database.url, maxConnections: 2 });
    const snapshotted = defineDecision<TestEvent, { key: string; by: string }, { count: number }>({ ...count, name: 'count-snap', snapshots: { every: 2 } });
    try {
      // Separate handlers: their lanes do not serialise each other, so their transactions hold the pool together.
      const handlers = Array.from({ length: 4 }, () => createCommandHandler(small, { mode: 'locked', maxAttempts: 50 }));
      await Promise.all(handlers.flatMap((h) => Array.from({ length: 3 }, () => h.handle(snapshotted, { key: 'small-pool', by: 'test' }))));
      expect((await seqs('small-pool')).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    } finally {
      await small.close();
    }
  });
});

describe('a condition narrower than the query', () => {
  /** A store whose next append first lets `interloper` append (between the handler's read and its append). */
  function interleaved(interloper: () => Promise<unknown>): EventStore<TestEvent> {
    let armed = true;
    return new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'append') {
          return async (...args: Parameters<EventStore<TestEvent>['append']>) => {
            if (armed) {
              armed = false;
              await interloper();
            }
            return target.append(...args);
          };
        }
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
  }

  it('is refused when a condition event lands between read and append, then decided again', async () => {
    await store.append([{ type: 'Deposited', data: { accountId: 'c1', amount: 100 }, tags: ['account:c1'] }]);
    const other = interleaved(() => store.append([{ type: 'Withdrawn', data: { accountId: 'c1', amount: 80 }, tags: ['account:c1'] }]));
    const handler = createCommandHandler(other, { maxAttempts: 1 });
    await expect(handler.handle(withdraw, { accountId: 'c1', amount: 50 })).rejects.toMatchObject({ code: 'DECISION_CONFLICT', cause: expect.any(AppendConditionError) });
    // With retries, the second attempt sees the interloper's withdrawal: 20 left, so 50 is refused by the rule.
    const retrying = createCommandHandler(interleaved(async () => {}), { maxAttempts: 3 });
    const error = await retrying.handle(withdraw, { accountId: 'c1', amount: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DecisionRejectedError);
    expect(isRejection(error, 'INSUFFICIENT_FUNDS') && error.data).toEqual({ balance: 20, requested: 50 });
  });

  it('is not refused when only a query-only event lands between read and append', async () => {
    await store.append([{ type: 'Deposited', data: { accountId: 'c2', amount: 100 }, tags: ['account:c2'] }]);
    const other = interleaved(() => store.append([{ type: 'Deposited', data: { accountId: 'c2', amount: 5 }, tags: ['account:c2'] }]));
    const handler = createCommandHandler(other, { maxAttempts: 1 });
    const { events, attempts } = await handler.handle(withdraw, { accountId: 'c2', amount: 100 });
    expect(attempts).toBe(1);
    expect(events.map((e) => e.type)).toEqual(['Withdrawn']);
  });

  it('passes metadata through to the appended events', async () => {
    await store.append([{ type: 'Deposited', data: { accountId: 'c3', amount: 10 }, tags: ['account:c3'] }]);
    const handler = createCommandHandler(store);
    const { events } = await handler.handle(withdraw, { accountId: 'c3', amount: 10 }, { metadata: { correlationId: 'req-1', causationId: 'cmd-1' } });
    const { events: stored } = await store.read([{ types: ['Withdrawn'], tags: ['account:c3'] }]);
    expect(stored[0]!.metadata).toMatchObject({ correlationId: 'req-1', causationId: 'cmd-1' });
    expect(events).toEqual(stored); // what the handler carries forward is what a read returns
  });
});
