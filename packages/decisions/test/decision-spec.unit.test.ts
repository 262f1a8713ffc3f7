import { createInMemoryEventStore } from '@tally/eventstore/testing';
import { describe, expect, it } from 'vitest';
import { decisionSpec, DecisionRejectedError, DecisionSpecError } from '../src/index.js';
import { count, withdraw, type TestEvent } from './fixtures/counter.js';
import { bankAccount } from './guide/bank-account.js';

const deposited = (accountId: string, amount: number) => ({ type: 'Deposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const withdrawn = (accountId: string, amount: number) => ({ type: 'Withdrawn', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;

/** The error a failing expectation throws. */
async function failureOf(run: Promise<unknown>): Promise<DecisionSpecError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DecisionSpecError);
  return error as DecisionSpecError;
}

describe('decisionSpec: given / when / then (in memory by default)', () => {
  it('passes when the command appends exactly the expected events (type, data and tags; not ids or positions)', async () => {
    const result = await decisionSpec(withdraw).given([deposited('a1', 100)]).when({ accountId: 'a1', amount: 30 }).then([withdrawn('a1', 30)]);
    expect(result.events[0]!.position).toBe(2n); // the given deposit is position 1 of a fresh store
  });

  it('fails when an expectation is wrong, naming the event and the part that differs', async () => {
    const wrongAmount = await failureOf(decisionSpec(withdraw).given([deposited('a1', 100)]).when({ accountId: 'a1', amount: 30 }).then([withdrawn('a1', 31)]));
    expect(wrongAmount.message).toBe(
      'decisionSpec(withdraw): event 1 of 1 differs in its data:\n' +
        '  expected {"type":"Withdrawn","data":{"accountId":"a1","amount":31},"tags":["account:a1"]}\n' +
        '  actual   {"type":"Withdrawn","data":{"accountId":"a1","amount":30},"tags":["account:a1"]}',
    );
    expect(wrongAmount.expected).toEqual([{ type: 'Withdrawn', data: { accountId: 'a1', amount: 31 }, tags: ['account:a1'] }]);
    expect(wrongAmount.actual).toEqual([{ type: 'Withdrawn', data: { accountId: 'a1', amount: 30 }, tags: ['account:a1'] }]);

    const wrongTags = await failureOf(decisionSpec(withdraw).given([deposited('a1', 100)]).when({ accountId: 'a1', amount: 30 }).then([{ type: 'Withdrawn', data: { accountId: 'a1', amount: 30 } }]));
    expect(wrongTags.message).toMatch(/event 1 of 1 differs in its tags/);

    const tooMany = await failureOf(decisionSpec(withdraw).given([deposited('a1', 100)]).when({ accountId: 'a1', amount: 30 }).then([]));
    expect(tooMany.message).toBe('decisionSpec(withdraw): expected 0 events, but it appended 1 event: {"type":"Withdrawn","data":{"accountId":"a1","amount":30},"tags":["account:a1"]}');
  });

  it('fails, with the reason and data, when events were expected but the command was rejected', async () => {
    const failure = await failureOf(decisionSpec(withdraw).when({ accountId: 'a1', amount: 30 }).then([withdrawn('a1', 30)]));
    expect(failure.message).toBe('decisionSpec(withdraw): expected 1 event, but the command was rejected: INSUFFICIENT_FUNDS (data {"balance":0,"requested":30})');
    expect(failure.cause).toBeInstanceOf(DecisionRejectedError);
  });

  it('compares tags as a set and data as JSON stores it', async () => {
    await decisionSpec(bankAccount.commands.open)
      .when({ id: 'b1', initialDeposit: 5 })
      .then([{ type: 'AccountOpened', data: { accountId: 'b1', initialDeposit: 5 }, tags: ['account:b1', 'account:b1'] }]);
  });

  it('thenRejects: passes on the reason (and the data, when given), resolving to the rejection', async () => {
    const rejection = await decisionSpec(withdraw).given([deposited('a1', 10)]).when({ accountId: 'a1', amount: 30 }).thenRejects('INSUFFICIENT_FUNDS');
    expect(rejection.data).toEqual({ balance: 10, requested: 30 });
    await decisionSpec(withdraw).given([deposited('a1', 10)]).when({ accountId: 'a1', amount: 30 }).thenRejects('INSUFFICIENT_FUNDS', { balance: 10, requested: 30 });
  });

  it('thenRejects: fails on another reason, other data, or appended events', async () => {
    const scenario = decisionSpec(withdraw).given([deposited('a1', 10)]).when({ accountId: 'a1', amount: 30 });
    expect((await failureOf(scenario.thenRejects('ACCOUNT_CLOSED'))).message).toBe(
      'decisionSpec(withdraw): expected a rejection ACCOUNT_CLOSED, but it was rejected with INSUFFICIENT_FUNDS (data {"balance":10,"requested":30})',
    );
    expect((await failureOf(scenario.thenRejects('INSUFFICIENT_FUNDS', { balance: 11, requested: 30 }))).message).toBe(
      'decisionSpec(withdraw): expected a rejection INSUFFICIENT_FUNDS with data {"balance":11,"requested":30}, but it was rejected with INSUFFICIENT_FUNDS (data {"balance":10,"requested":30})',
    );
    const appended = await failureOf(decisionSpec(withdraw).given([deposited('a1', 100)]).when({ accountId: 'a1', amount: 30 }).thenRejects('INSUFFICIENT_FUNDS'));
    expect(appended.message).toBe(
      'decisionSpec(withdraw): expected a rejection INSUFFICIENT_FUNDS, but it appended 1 event: {"type":"Withdrawn","data":{"accountId":"a1","amount":30},"tags":["account:a1"]}',
    );
  });

  it('reports an error that is not a rejection as such', async () => {
    const failure = await failureOf(decisionSpec(bankAccount.commands.open).when({ id: '', initialDeposit: 1 }).thenRejects('ACCOUNT_ALREADY_OPENED'));
    expect(failure.message).toMatch(/^decisionSpec\(bank-account\): expected a rejection ACCOUNT_ALREADY_OPENED, but it threw InvalidDecisionError: aggregate "bank-account", command "open": the instance's id must be a non-empty string/);
  });

  it('runs every scenario on a fresh store, and adds up given calls', async () => {
    const spec = decisionSpec(count).given([{ type: 'Counted', data: { key: 'k', seq: 1, by: 'x' }, tags: ['counter:k'] }]);
    const twice = spec.given([{ type: 'Counted', data: { key: 'k', seq: 2, by: 'x' }, tags: ['counter:k'] }]);
    const next = (seq: number) => [{ type: 'Counted', data: { key: 'k', seq, by: 't' }, tags: ['counter:k'] }] as const;
    await spec.when({ key: 'k', by: 't' }).then(next(2));
    await spec.when({ key: 'k', by: 't' }).then(next(2)); // not 3: nothing of the previous run is left
    await twice.when({ key: 'k', by: 't' }).then(next(3));
  });

  it('runs on the store it is given, in the mode it is given', async () => {
    const store = createInMemoryEventStore<TestEvent>();
    await store.append([deposited('a1', 50)]);
    await decisionSpec(withdraw, { store, mode: 'locked', metadata: { correlationId: 'c-1' } }).when({ accountId: 'a1', amount: 50 }).then([withdrawn('a1', 50)]);
    const { events } = await store.read([{ types: ['Withdrawn'] }]);
    expect(events.map((e) => e.metadata.correlationId)).toEqual(['c-1']);
    await store.close();
  });

  it('says so when a scenario itself is awaited instead of its then/thenRejects', async () => {
    const scenario = decisionSpec(withdraw).when({ accountId: 'a1', amount: 30 });
    await expect((async () => await (scenario as unknown as PromiseLike<unknown>))()).rejects.toThrow(
      'decisionSpec(withdraw): a scenario is not awaited itself; await .then(events) or .thenRejects(reason)',
    );
  });
});
