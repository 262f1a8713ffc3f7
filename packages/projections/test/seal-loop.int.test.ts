import { describe, expect, it } from 'vitest';
import { ConfigurationError, createProjector, type ProjectorLogger } from '../src/index.js';
import { balanceProjection, type BankEvent } from './fixtures/bank.js';
import { eventually, setupDatabase } from './helpers.js';

/**
 * The projector seals the store's events behind the appends (`sealIntervalMs`) and logs the chain head, so
 * `store.verify()` finds every settled event sealed without anyone calling `seal()`. Fails on a projector that
 * never seals (verify would count the events as unsealed) or logs no head.
 */
const { database, store } = await setupDatabase();
await store.migrate();

const deposits = (n: number): BankEvent[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'MoneyDeposited', data: { accountId: `acc${i % 5}`, amount: 10 } }) as const);

function recordingLogger(): { logger: ProjectorLogger; infos: { object: Record<string, unknown>; message: string }[] } {
  const infos: { object: Record<string, unknown>; message: string }[] = [];
  return { infos, logger: { info: (object, message) => infos.push({ object, message }), warn() {}, error() {} } };
}

describe('the projector seals events for verify()', () => {
  it('seals what is appended while it runs and logs the chain head verify() reports', async () => {
    const { logger, infos } = recordingLogger();
    const worker = createProjector({ store, projections: [balanceProjection('sealed', 't_sealed')], connectionString: database.url, sealIntervalMs: 100, logger });
    await worker.start();
    try {
      await store.append(deposits(30));
      await store.append(deposits(12));
      await eventually(async () => (await store.verify()).unsealed === 0 && (await store.verify()).checked === 42, 10_000);
      const result = await store.verify();
      expect(result).toMatchObject({ ok: true, checked: 42, unsealed: 0 });
      const logged = infos.filter((i) => i.message === 'events sealed').map((i) => i.object.head);
      expect(logged).toContain(result.head);
    } finally {
      await worker.stop();
    }
  });

  it('does not seal with sealIntervalMs: false, and refuses an interval that is not a positive integer', async () => {
    const worker = createProjector({ store, projections: [balanceProjection('unsealed', 't_unsealed')], connectionString: database.url, sealIntervalMs: false });
    await worker.start();
    try {
      const { positions } = await store.append(deposits(3));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await store.verify({ from: positions[0]! })).toMatchObject({ ok: true, checked: 0, unsealed: 3 });
    } finally {
      await worker.stop();
    }
    expect(() => createProjector({ store, projections: [], connectionString: database.url, sealIntervalMs: 0 })).toThrow(ConfigurationError);
  });
});
