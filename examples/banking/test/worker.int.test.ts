import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBank, type Bank } from '../src/bank.js';
import { foldAccount } from '../src/domain/account.js';
import { statementLines } from '../src/features/views/statement.js';

/** The bank's views kept by a separate `tally-projector` process, started exactly as `pnpm start:worker` does. */
let database: TestDatabase;
let bank: Bank;
let worker: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  database = await createTestDatabase();
  bank = createBank({ connectionString: database.url, maxConnections: 4 });
  await bank.migrate();
});
afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await bank?.close();
  await database?.drop();
});

function startWorker(): ChildProcess {
  const child = spawn(join(process.cwd(), 'node_modules/.bin/tally-projector'), ['start', '--config', 'src/worker/projector.config.ts', '--worker-id', 'bank-worker-test'], {
    env: { ...process.env, DATABASE_URL: database.url, NODE_OPTIONS: '--import tsx' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return child;
}

describe('the tally-projector worker with the bank config', () => {
  it('keeps the read models equal to the fold of the events, and exits 0 on SIGTERM', async () => {
    worker = startWorker();
    const a = await bank.openAccount({ customerName: 'Worker Wanda', initialDeposit: 10_00 });
    const b = await bank.openAccount({ customerName: 'Worker Will' });
    await bank.deposit({ accountId: a.accountId, amount: 5_00, depositId: 'w-dep' });
    await bank.transfer({ fromAccountId: a.accountId, toAccountId: b.accountId, amount: 12_00, transferId: 'w-tr' });
    await bank.withdraw({ accountId: b.accountId, amount: 2_00, withdrawalId: 'w-wd' });

    const { events } = await bank.store.read();
    const expected = [a.accountId, b.accountId].map((id) => ({ id, balance: foldAccount(id, events).balance }));
    expect(expected.map((e) => e.balance)).toEqual([3_00, 10_00]);
    // Only the worker writes the read models here (this process runs no projector): wait until both views
    // equal the fold. The two projections run separately, so one can be ahead of the other for a moment.
    const fold = (id: string) => statementLines(id, events).map((l) => [l.kind, l.amount, l.balanceAfter]);
    const viewsMatch = async () => {
      const rows = await bank.listAccounts();
      const balances = new Map(rows.map((r) => [r.accountId, r.balance]));
      if (!expected.every((e) => balances.get(e.id) === e.balance)) return false;
      for (const { id } of expected) {
        const statement = await bank.getStatement(id);
        if (JSON.stringify(statement.lines.map((l) => [l.kind, l.amount, l.balanceAfter])) !== JSON.stringify(fold(id))) return false;
      }
      return true;
    };
    const deadline = Date.now() + 30_000;
    while (!(await viewsMatch())) {
      if (Date.now() > deadline || worker.exitCode !== null) throw new Error(`the worker did not catch up; its output:\n${output}`);
      await sleep(100);
    }

    worker.kill('SIGTERM');
    const [code] = (await once(worker, 'exit')) as [number | null];
    expect(code, output).toBe(0);
    expect(output, output).toContain('stopped');
  });
});
