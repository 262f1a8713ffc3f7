import type { EventStore, StoredEvent } from '@tally/eventstore';
import { createInMemoryEventStore } from '@tally/eventstore/testing';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  createCommandHandler,
  defineAggregate,
  InvalidDecisionError,
  isRejection,
  reject,
  type AggregateCommand,
  type CommandHandler,
  type Decision,
  type HandleResult,
} from '../src/index.js';
import { bankAccount, type BankAccountState } from './guide/bank-account.js';
import type { AccountEvent } from './guide/bank-events.js';
import type { TestEvent } from './fixtures/counter.js';

type Balance = { readonly balance: number };
const evolveBalance = (state: Balance, event: StoredEvent<TestEvent>): Balance =>
  event.type === 'Deposited' ? { balance: state.balance + event.data.amount } : event.type === 'Withdrawn' ? { balance: state.balance - event.data.amount } : state;

const account = defineAggregate<TestEvent>()({
  name: 'account',
  tag: (id) => `account:${id}`,
  initialState: (): Balance => ({ balance: 0 }),
  evolve: evolveBalance,
  commands: {
    deposit: (_state, cmd: { id: string; amount: number }) => [{ type: 'Deposited', data: { accountId: cmd.id, amount: cmd.amount } }],
    withdraw: (state, cmd: { id: string; amount: number }) => {
      if (state.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: state.balance });
      return [{ type: 'Withdrawn', data: { accountId: cmd.id, amount: cmd.amount }, tags: ['audit'] }];
    },
    audit: (state, cmd: { id: string }) => [{ type: 'Counted', data: { key: cmd.id, seq: state.balance, by: 'audit' }, tags: [`account:${cmd.id}`] }],
    // No `id` in the annotation: the command type gets it.
    note: (_state, cmd: { text: string }) => [{ type: 'Counted', data: { key: cmd.text, seq: 0, by: 'note' } }],
    // No `cmd` at all: the command is just `{ id }`.
    noop: () => [],
  },
});

describe('defineAggregate: types', () => {
  it('keeps each command type, from the definition to handle, with no cast', () => {
    expectTypeOf(account.commands.deposit).toEqualTypeOf<Decision<TestEvent, { id: string; amount: number }, Balance>>();
    expectTypeOf(account.commands.audit).toEqualTypeOf<Decision<TestEvent, { id: string }, Balance>>();
    expectTypeOf(account.commands.note).toEqualTypeOf<Decision<TestEvent, { text: string } & AggregateCommand, Balance>>();
    expectTypeOf(account.commands.noop).toEqualTypeOf<Decision<TestEvent, AggregateCommand, Balance>>();
    expectTypeOf(account.evolve).parameter(1).toEqualTypeOf<StoredEvent<TestEvent>>();

    // Compiled, never run: what a call site may write.
    const callSites = (handler: CommandHandler<TestEvent>) => {
      expectTypeOf(handler.handle(account.commands.deposit, { id: 'a1', amount: 5 })).toEqualTypeOf<Promise<HandleResult<TestEvent, Balance>>>();
      // @ts-expect-error amount must be a number
      void handler.handle(account.commands.deposit, { id: 'a1', amount: '5' });
      // @ts-expect-error amount is missing
      void handler.handle(account.commands.deposit, { id: 'a1' });
      // @ts-expect-error the id is missing
      void handler.handle(account.commands.note, { text: 'x' });
      // @ts-expect-error no such command
      void account.commands.transfer;
    };
    expect(callSites).toBeTypeOf('function');
  });

  it("infers the state from initialState, and types evolve's events as the union", () => {
    const counter = defineAggregate<TestEvent>()({
      name: 'counter',
      tag: (id) => `counter:${id}`,
      initialState: () => ({ count: 0 }),
      evolve: (state, event) => {
        expectTypeOf(event).toEqualTypeOf<StoredEvent<TestEvent>>();
        return event.type === 'Counted' ? { count: event.data.seq } : state;
      },
      commands: { count: (state, cmd: { id: string; by: string }) => [{ type: 'Counted', data: { key: cmd.id, seq: state.count + 1, by: cmd.by } }] },
    });
    expectTypeOf(counter.commands.count).toEqualTypeOf<Decision<TestEvent, { id: string; by: string }, { count: number }>>();
  });

  it('refuses events outside the union, and a command whose result is not events', () => {
    defineAggregate<TestEvent>()({
      name: 'bad',
      tag: (id) => id,
      initialState: () => 0,
      evolve: (state) => state,
      commands: {
        // @ts-expect-error 'Opened' is not an event of TestEvent
        open: (_state, cmd: { id: string }) => [{ type: 'Opened', data: { accountId: cmd.id } }],
      },
    });
  });

  it('accepts the two-type-argument form: commands widen to { id: string }, never to any', () => {
    const wide = defineAggregate<TestEvent, Balance>({
      name: 'wide',
      tag: (id) => `account:${id}`,
      initialState: () => ({ balance: 0 }),
      evolve: evolveBalance,
      commands: {
        deposit: (state, cmd: { id: string; amount: number }) => {
          expectTypeOf(state).toEqualTypeOf<Balance>();
          return [{ type: 'Deposited', data: { accountId: cmd.id, amount: cmd.amount } }];
        },
      },
    });
    expectTypeOf(wide.commands).toEqualTypeOf<{ readonly [name: string]: Decision<TestEvent, AggregateCommand, Balance> }>();
    const deposit = wide.commands.deposit;
    expectTypeOf(deposit).toEqualTypeOf<Decision<TestEvent, AggregateCommand, Balance> | undefined>(); // noUncheckedIndexedAccess
    const callSites = (handler: CommandHandler<TestEvent>) => {
      if (deposit) void handler.handle(deposit, { id: 'a1', amount: 5 });
      // @ts-expect-error the id is still required
      if (deposit) void handler.handle(deposit, { amount: 5 });
    };
    expect(callSites).toBeTypeOf('function');

    // With the third type argument, the commands are precise again.
    const precise = defineAggregate<TestEvent, Balance, { deposit: { id: string; amount: number } }>({
      name: 'precise',
      tag: (id) => `account:${id}`,
      initialState: () => ({ balance: 0 }),
      evolve: evolveBalance,
      commands: { deposit: (_state, cmd) => [{ type: 'Deposited', data: { accountId: cmd.id, amount: cmd.amount } }] },
    });
    expectTypeOf(precise.commands.deposit).toEqualTypeOf<Decision<TestEvent, { id: string; amount: number }, Balance>>();
  });

  it("keeps the guide's BankAccount command types", () => {
    expectTypeOf(bankAccount.commands.withdraw).toEqualTypeOf<Decision<AccountEvent, { id: string; amount: number; withdrawalId: string }, BankAccountState>>();
    expectTypeOf(bankAccount.commands.close).toEqualTypeOf<Decision<AccountEvent, { id: string }, BankAccountState>>();
  });
});

describe('defineAggregate: behaviour', () => {
  const setup = () => {
    const store: EventStore<TestEvent> = createInMemoryEventStore<TestEvent>();
    return { store, handler: createCommandHandler(store) };
  };

  it("reads and guards every event carrying the instance's tag, and only those", () => {
    expect(account.query('a1')).toEqual([{ tags: ['account:a1'] }]);
    expect(account.commands.deposit.query({ id: 'a1', amount: 1 })).toEqual([{ tags: ['account:a1'] }]);
    expect(account.commands.deposit.condition).toBeUndefined(); // the condition is the query
    expect(account.commands.withdraw.name).toBe('account'); // every command is named after the aggregate: one snapshot per instance
  });

  it('adds the tag to events that lack it, keeps their own tags, and does not repeat it', async () => {
    const { store, handler } = setup();
    const deposited = await handler.handle(account.commands.deposit, { id: 'a1', amount: 10 });
    expect(deposited.events.map((e) => e.tags)).toEqual([['account:a1']]);
    const withdrawn = await handler.handle(account.commands.withdraw, { id: 'a1', amount: 4 });
    expect(withdrawn.events.map((e) => e.tags)).toEqual([['audit', 'account:a1']]);
    const audited = await handler.handle(account.commands.audit, { id: 'a1' });
    expect(audited.events.map((e) => e.tags)).toEqual([['account:a1']]);
    expect(audited.events[0]!.data).toEqual({ key: 'a1', seq: 6, by: 'audit' });
    const { events } = await store.read(account.query('a1'));
    expect(events.map((e) => e.type)).toEqual(['Deposited', 'Withdrawn', 'Counted']);
  });

  it('folds only its own instance', async () => {
    const { store, handler } = setup();
    await store.append([{ type: 'Deposited', data: { accountId: 'b1', amount: 100 }, tags: ['account:b1'] }]);
    const error = await handler.handle(account.commands.withdraw, { id: 'a1', amount: 1 }).catch((e: unknown) => e);
    expect(isRejection(error, 'INSUFFICIENT_FUNDS') && error.data).toEqual({ balance: 0 });
  });

  it('is refused when an event of the instance lands between read and append (any event with the tag)', async () => {
    const { store } = setup();
    await store.append([{ type: 'Deposited', data: { accountId: 'a1', amount: 10 }, tags: ['account:a1'] }]);
    let armed = true;
    const interleaved = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'append') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<EventStore<TestEvent>['append']>) => {
          if (armed) {
            armed = false;
            // Even a deposit: an aggregate's condition is every event of the instance.
            await target.append([{ type: 'Counted', data: { key: 'a1', seq: 0, by: 'other' }, tags: ['account:a1'] }]);
          }
          return target.append(...args);
        };
      },
    });
    await expect(createCommandHandler(interleaved, { maxAttempts: 1 }).handle(account.commands.withdraw, { id: 'a1', amount: 5 })).rejects.toMatchObject({
      code: 'DECISION_CONFLICT',
    });
  });

  it('refuses a malformed definition, a command without id, and a command that returns no list', async () => {
    const base = { name: 'x', tag: (id: string) => `x:${id}`, initialState: () => 0, evolve: (s: number) => s };
    expect(() => defineAggregate<TestEvent>()({ ...base, name: ' ', commands: {} })).toThrow(InvalidDecisionError);
    expect(() => defineAggregate<TestEvent>()({ ...base, commands: { a: 'no' as unknown as () => [] } })).toThrow(/command "a" must be a function/);
    expect(() => defineAggregate<TestEvent>()({ ...base, evolve: undefined as unknown as (s: number) => number, commands: {} })).toThrow(/evolve must be a function/);
    const { handler } = setup();
    const odd = defineAggregate<TestEvent>()({
      ...base,
      tag: (id: string) => (id === 'empty' ? '' : `x:${id}`),
      commands: { one: () => ({ type: 'Counted', data: { key: 'k', seq: 1, by: 'b' } }) as unknown as [] },
    });
    // (handle may throw a bad query at once or reject with it: either way it fails)
    const run = (cmd: { id: string }) => Promise.resolve().then(() => handler.handle(odd.commands.one, cmd));
    await expect(run({} as { id: string })).rejects.toThrow(/command "one": the instance's id must be a non-empty string, got undefined/);
    await expect(run({ id: 'empty' })).rejects.toThrow(/tag\("empty"\) must return a non-empty string/);
    await expect(run({ id: 'k' })).rejects.toThrow(/must return an array of events \(or reject\), got an object/);
  });
});
