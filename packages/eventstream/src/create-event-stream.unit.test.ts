import { createEventStore, type EventStore, type StoredEvent } from '@tally/eventstore';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Checkpoint } from './checkpoint.js';
import { createEventStream } from './create-event-stream.js';
import { InvalidCheckpointError, InvalidOptionError, StreamClosedError } from './errors.js';
import type { EventStream } from './types.js';

type Event =
  | { type: 'Opened'; data: { id: string } }
  | { type: 'Deposited'; data: { id: string; amount: number } }
  | { type: 'Closed'; data: { id: string; reason: string } };

// Never connected: these tests fail before any subscription starts (the pool connects on first use).
const connectionString = 'postgres://nobody@127.0.0.1:1/none';
const store = createEventStore<Event>({ connectionString });
afterAll(() => store.close());

describe('createEventStream options', () => {
  it.each([
    [{ pollIntervalMs: 0 }, 'pollIntervalMs'],
    [{ pollIntervalMs: 1.5 }, 'pollIntervalMs'],
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: Number.NaN }, 'concurrency'],
    [{ connectionString: '' }, 'connectionString'],
    [{ channel: '' }, 'channel'],
  ])('rejects %j', (overrides, option) => {
    expect(() => createEventStream({ store, connectionString, ...overrides })).toThrow(InvalidOptionError);
    try {
      createEventStream({ store, connectionString, ...overrides });
    } catch (error) {
      expect((error as InvalidOptionError).code).toBe('INVALID_OPTION');
      expect((error as InvalidOptionError).option).toBe(option);
    }
  });

  it('rejects something that is not a store', () => {
    expect(() => createEventStream({ store: {} as EventStore<Event>, connectionString })).toThrow(InvalidOptionError);
  });
});

describe('subscribe options', () => {
  const stream = createEventStream({ store, connectionString });

  it.each([
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: -1 }, 'batchSize'],
    [{ batchSize: 2.5 }, 'batchSize'],
    [{ batchSize: '10' as unknown as number }, 'batchSize'],
    [{ maxWaitMs: -1 }, 'maxWaitMs'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ retryDelayMs: -5 }, 'retryDelayMs'],
    [{ retryDelayMs: 500, maxRetryDelayMs: 100 }, 'maxRetryDelayMs'],
    [{ name: '' }, 'name'],
    [{ onHandlerError: 'ignore' as 'skip' }, 'onHandlerError'],
    [{ query: {} as never }, 'query'],
  ])('rejects %j with InvalidOptionError', (overrides, option) => {
    let thrown: unknown;
    try {
      stream.subscribe({ after: 'start', ...overrides }, () => {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionError);
    expect((thrown as InvalidOptionError).option).toBe(option);
    expect(stream.subscriptions).toHaveLength(0);
  });

  it('rejects a malformed checkpoint with InvalidCheckpointError, and a missing handler', () => {
    expect(() => stream.subscribe({ after: 'yesterday' as Checkpoint }, () => {})).toThrow(InvalidCheckpointError);
    expect(() => stream.subscribe({ after: undefined as unknown as Checkpoint }, () => {})).toThrow(InvalidCheckpointError);
    expect(() => stream.subscribe({ after: 'start' }, undefined as never)).toThrow(InvalidOptionError);
  });

  it('refuses new subscriptions once closed', async () => {
    const closing = createEventStream({ store, connectionString });
    await closing.close();
    await closing.close();
    expect(() => closing.subscribe({ after: 'start' }, () => {})).toThrow(StreamClosedError);
  });

  it('types the batch from the event union and the query: no casts at the call site', () => {
    expectTypeOf(createEventStream({ store, connectionString })).toEqualTypeOf<EventStream<Event>>(); // inferred from the store
    // Compiled by `tsc` (typecheck), never run.
    const typed = (s: EventStream<Event>) => {
      s.subscribe({ query: [{ types: ['Deposited', 'Closed'] }], after: 'start' }, (batch, context) => {
        expectTypeOf(batch).toEqualTypeOf<readonly StoredEvent<Extract<Event, { type: 'Deposited' | 'Closed' }>>[]>();
        for (const event of batch) {
          if (event.type === 'Deposited') expectTypeOf(event.data.amount).toEqualTypeOf<number>();
          else expectTypeOf(event.data.reason).toEqualTypeOf<string>();
        }
        expectTypeOf(context.checkpoint).toEqualTypeOf<Checkpoint>();
      });
      s.subscribe({ after: 'end' }, (batch) => {
        expectTypeOf(batch[0]!).toEqualTypeOf<StoredEvent<Event>>();
      });
      s.subscribe({ query: [{ tags: ['account:1'] }], after: 'end' }, (batch) => {
        expectTypeOf(batch[0]!).toEqualTypeOf<StoredEvent<Event>>();
      });
      // @ts-expect-error not a type of the union
      s.subscribe({ query: [{ types: ['Withdrawn'] }], after: 'start' }, () => {});
      // @ts-expect-error a plain string is not a Checkpoint: parse it with parseCheckpoint
      s.subscribe({ after: '1/2' }, () => {});
      const sub = s.subscribe({ after: 'start' }, () => {});
      sub.on('caught-up', (info) => expectTypeOf(info.checkpoint).toEqualTypeOf<Checkpoint>());
      sub.on('batch', (info) => expectTypeOf(info.lastPosition).toEqualTypeOf<bigint>());
    };
    expect(typed).toBeTypeOf('function');
  });
});
