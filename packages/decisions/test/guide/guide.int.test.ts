/** The guide's code on PostgreSQL: the three withdrawals, snapshots, and the two modes (docs/deciders.md). */
import { createHash } from 'node:crypto';
import { createEventStore, type EventStore, type ReadOptions } from '@tally/eventstore';
import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler, decisionSpec, isRejection, type HandlerMode } from '../../src/index.js';
import { stableKey } from '../../src/stable-key.js';
import { bankAccount, evolveAccount } from './bank-account.js';
import { accountTag, type AccountEvent } from './bank-events.js';
import { withdraw } from './withdraw-decision.js';
import { withdrawOnce } from './withdraw-model.js';

let database: TestDatabase;
let store: EventStore<AccountEvent>;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createEventStore<AccountEvent>({ connectionString: database.url, maxConnections: 8 });
});
afterAll(async () => {
  await store.close();
  await database.drop();
});

const open = (accountId: string, initialDeposit: number) =>
  store.append([{ type: 'AccountOpened', data: { accountId, initialDeposit }, tags: [accountTag(accountId)] }]);
const deposit = (accountId: string, amount: number) => ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [accountTag(accountId)] }) as const;

/** The store, with `interloper` appending right before the handler's first append. */
function interleaved(interloper: () => Promise<unknown>): EventStore<AccountEvent> {
  let armed = true;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
      return async (...args: Parameters<EventStore<AccountEvent>['append']>) => {
        if (armed) {
          armed = false;
          await interloper();
        }
        return target.append(...args);
      };
    },
  });
}

describe('one withdrawal, three ways', () => {
  it('appends the same event as a decision, as an aggregate command, and with a decision model', async () => {
    const handler = createCommandHandler(store);
    await open('t1', 100);
    await open('t2', 100);
    await open('t3', 100);
    const a = await handler.handle(withdraw, { accountId: 't1', amount: 30, withdrawalId: 'tw1' });
    const b = await handler.handle(bankAccount.commands.withdraw, { id: 't2', amount: 30, withdrawalId: 'tw2' });
    const c = await handler.handle(withdrawOnce, { accountId: 't3', amount: 30, withdrawalId: 'tw3' });
    expect([a, b, c].map((r) => r.events.map((e) => ({ type: e.type, data: e.data, tags: [...e.tags].sort() })))).toEqual(
      [1, 2, 3].map((n) => [{ type: 'MoneyWithdrawn', data: { accountId: `t${n}`, amount: 30, withdrawalId: `tw${n}` }, tags: [`account:t${n}`, `withdrawal:tw${n}`] }]),
    );
  });

  it('a deposit landing between read and append fails the aggregate (every event of the account) but not the decision (narrower condition)', async () => {
    await open('u1', 100);
    const depositing = () => interleaved(() => store.append([deposit('u1', 1)]));
    await expect(createCommandHandler(depositing(), { maxAttempts: 1 }).handle(bankAccount.commands.withdraw, { id: 'u1', amount: 10, withdrawalId: 'uw1' })).rejects.toMatchObject({
      code: 'DECISION_CONFLICT',
    });
    const { attempts } = await createCommandHandler(depositing(), { maxAttempts: 1 }).handle(withdraw, { accountId: 'u1', amount: 10, withdrawalId: 'uw2' });
    expect(attempts).toBe(1);
  });

  it('the model also answers a retried request once, and refuses its id with other details, on any account', async () => {
    await open('v1', 100);
    await open('v2', 100);
    const handler = createCommandHandler(store);
    const first = await handler.handle(withdrawOnce, { accountId: 'v1', amount: 40, withdrawalId: 'vw1' });
    const again = await handler.handle(withdrawOnce, { accountId: 'v1', amount: 40, withdrawalId: 'vw1' });
    expect([first.events.length, again.events.length]).toEqual([1, 0]);
    const reused = await handler.handle(withdrawOnce, { accountId: 'v2', amount: 40, withdrawalId: 'vw1' }).catch((e: unknown) => e);
    expect(isRejection(reused, 'WITHDRAWAL_ID_REUSED')).toBe(true);
    const { state } = { state: (await store.read(bankAccount.query('v1'))).events.reduce(evolveAccount, bankAccount.initialState()) };
    expect(state.balance).toBe(60);
  });

  it('decisionSpec runs the same scenarios on PostgreSQL when given the store', async () => {
    await decisionSpec(withdrawOnce, { store })
      .given([{ type: 'AccountOpened', data: { accountId: 'w1', initialDeposit: 20 }, tags: [accountTag('w1')] }])
      .when({ accountId: 'w1', amount: 20, withdrawalId: 'ww1' })
      .then([{ type: 'MoneyWithdrawn', data: { accountId: 'w1', amount: 20, withdrawalId: 'ww1' }, tags: ['account:w1', 'withdrawal:ww1'] }]);
    await decisionSpec(withdrawOnce, { store }).when({ accountId: 'w1', amount: 20, withdrawalId: 'ww2' }).thenRejects('INSUFFICIENT_FUNDS', { balance: 0, amount: 20 });
  });
});

describe('snapshots of an aggregate', () => {
  it("are shared by its commands, keep the state's bigints, and serve later reads with only the events after them", async () => {
    await open('s1', 0);
    await store.append(Array.from({ length: 110 }, () => deposit('s1', 1)));
    // A read that folds at least `every` events saves a snapshot (here: the 111 events of the account).
    await createCommandHandler(store).handle(bankAccount.commands.deposit, { id: 's1', amount: 1 });

    const key = createHash('sha256').update(stableKey(bankAccount.query('s1'))).digest('hex');
    const snapshot = await store.loadSnapshot('bank-account', key);
    expect(snapshot).toMatchObject({ decision: 'bank-account', version: '1' });
    const saved = snapshot!.state as { status: string; balance: number; version: { '$tally.bigint': string } };
    expect(saved.status).toBe('open');
    expect(BigInt(saved.version['$tally.bigint'])).toBe(snapshot!.position); // the bigint survived JSON

    // Another command of the aggregate (a fresh handler: nothing carried) starts from that snapshot.
    const reads: ReadOptions[] = [];
    const watched = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'read') return Reflect.get(target, property, receiver) as unknown;
        return (query: Parameters<EventStore<AccountEvent>['read']>[0], options?: ReadOptions) => {
          reads.push(options ?? {});
          return target.read(query, options);
        };
      },
    });
    const error = await createCommandHandler(watched)
      .handle(bankAccount.commands.withdraw, { id: 's1', amount: 112, withdrawalId: 'sw1' })
      .catch((e: unknown) => e);
    expect(isRejection(error, 'INSUFFICIENT_FUNDS') && error.data).toEqual({ balance: 111, amount: 112 });
    expect(reads).toEqual([expect.objectContaining({ after: snapshot!.position })]);
    const full = (await store.read(bankAccount.query('s1'))).events.reduce(evolveAccount, bankAccount.initialState());
    expect(full).toMatchObject({ balance: 111, status: 'open' });
  });
});

describe('modes', () => {
  for (const mode of ['optimistic', 'locked'] as const satisfies readonly HandlerMode[]) {
    it(`${mode}: 20 concurrent withdrawals of 10 from 100 in one process: 10 pass, one after another, without a conflict`, async () => {
      const id = `m-${mode}`;
      // #region modes
      const handler = createCommandHandler(store, { mode, maxAttempts: 1 }); // one conflict would fail a command
      await handler.handle(bankAccount.commands.open, { id, initialDeposit: 100 });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => handler.handle(bankAccount.commands.withdraw, { id, amount: 10, withdrawalId: `${id}-${i}` })),
      );
      // #endregion modes
      const passed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      expect(passed).toHaveLength(10);
      expect(passed.map((r) => r.attempts)).toEqual(Array(10).fill(1));
      expect(refused.every((e) => isRejection(e, 'INSUFFICIENT_FUNDS'))).toBe(true);
      const state = (await store.read(bankAccount.query(id))).events.reduce(evolveAccount, bankAccount.initialState());
      expect(state.balance).toBe(0);
    });
  }
});
