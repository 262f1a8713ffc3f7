import { SpanStatusCode } from '@opentelemetry/api';
import { createEventStore, type EventStore } from '@tally/eventstore';
import { createTestDatabase, installTestTelemetry, type TestDatabase } from '@tally/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCommandHandler, DecisionRejectedError } from '../src/index.js';
import { count, withdraw, type TestEvent } from './fixtures/counter.js';

const telemetry = installTestTelemetry();
let database: TestDatabase;
let store: EventStore<TestEvent>;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createEventStore<TestEvent>({ connectionString: database.url, maxConnections: 4 });
});
afterAll(async () => {
  await store.close();
  await database.drop();
  await telemetry.uninstall();
});

describe('decide span', () => {
  it('wraps handle() with the attempts it took; every attempt’s append is its child', async () => {
    // The hostile interleaving, for real: before the handler's first append reaches the database, another writer
    // appends to the same counter, so that first append is refused and the decision runs a second time.
    let interfered = false;
    const interfering: EventStore<TestEvent> = {
      ...store,
      append: async (events, options) => {
        if (!interfered) {
          interfered = true;
          await store.append([{ type: 'Counted', data: { key: 'k1', seq: 1, by: 'other' }, tags: ['counter:k1'] }]);
        }
        return store.append(events, options);
      },
    };
    const handler = createCommandHandler(interfering, { maxAttempts: 5 });
    const result = await handler.handle(count, { key: 'k1', by: 'test' });
    expect(result.attempts).toBe(2);
    const [decide] = telemetry.spans('decide');
    expect(decide!.attributes).toMatchObject({
      'tally.decision.name': 'count',
      'tally.decision.mode': 'optimistic',
      'tally.decision.attempts': 2,
      'tally.decision.outcome': 'appended',
      'tally.decision.event_count': 1,
    });
    const children = telemetry.spans('append').filter((s) => s.parentSpanContext?.spanId === decide!.spanContext().spanId);
    // The interfering append ran inside the decision's context too (it is the test's doing); the handler's own are
    // the conditional ones: one refused, one appended.
    expect(children.filter((s) => s.attributes['tally.append.conditional']).map((s) => s.attributes['tally.append.outcome'])).toEqual([
      'condition-failed',
      'appended',
    ]);
  });

  it('says when the decision rejected the command, without marking the span as an error', async () => {
    telemetry.reset();
    const handler = createCommandHandler(store);
    await expect(handler.handle(withdraw, { accountId: 'a1', amount: 10 })).rejects.toBeInstanceOf(DecisionRejectedError);
    const [decide] = telemetry.spans('decide');
    expect(decide!.attributes).toMatchObject({ 'tally.decision.outcome': 'rejected', 'tally.decision.rejection': 'INSUFFICIENT_FUNDS' });
    expect(decide!.status.code).not.toBe(SpanStatusCode.ERROR);
  });
});
