import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AppendConditionError,
  createEventStore,
  formatHead,
  InvalidQueryError,
  parseHead,
  type EventStore,
  type Head,
  type Query,
} from '../src/index.js';
import { HeadSigner } from '../src/head.js';
import { setupStore, type TestEvent } from './helpers.js';

/** Heads cannot lie (issue 11, items 4 and 5): they are bound to the store, and to how far their own transaction had written. */
let ctx: Awaited<ReturnType<typeof setupStore>>;
let store: EventStore<TestEvent>;
beforeAll(async () => {
  ctx = await setupStore();
  store = ctx.store;
});

const deposit = (accountId: string, amount = 1) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
const account = (id: string) => [{ tags: [`account:${id}`] }] satisfies Query<TestEvent>;
const count = async (id: string) => (await store.read(account(id))).events.length;

async function expectInvalidHead(after: string, accountId: string): Promise<void> {
  const before = await count(accountId);
  const error = await store
    .append([deposit(accountId)], { condition: { query: account(accountId), after: after as Head } })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidQueryError);
  expect(error).toMatchObject({ code: 'INVALID_HEAD' });
  expect(await count(accountId)).toBe(before);
}

describe('a head is bound to the store that produced it', () => {
  it('refuses forged, altered, pre-signature and impossible heads, writing nothing', async () => {
    await store.append([deposit('forged')]);
    const { head } = await store.read(account('forged'));
    await expectInvalidHead('99999999999:99999999999:', 'forged'); // the bare snapshot of the old format
    await expectInvalidHead('5:3:', 'forged');
    await expectInvalidHead('0:0:', 'forged');
    const parts = head.split('/');
    const [xmin, xmax] = parts[2]!.split(':');
    parts[2] = `${xmin}:${BigInt(xmax!) + 1000n}:`; // claims to have seen 1000 more transactions
    await expectInvalidHead(parts.join('/'), 'forged');
    await expectInvalidHead(`${head.slice(0, -1)}${head.endsWith('A') ? 'B' : 'A'}`, 'forged');
  });

  it('refuses the head of another store (another schema of the same database)', async () => {
    const other = createEventStore<TestEvent>({ connectionString: ctx.database.url, schema: 'other_store' });
    try {
      await other.migrate();
      const { head } = await other.read(account('elsewhere'));
      await expectInvalidHead(head, 'elsewhere');
    } finally {
      await other.close();
    }
  });

  it('refuses a head from the future even with a valid signature', async () => {
    const { rows } = await sql<{ store_id: string; secret: Buffer; xmax: string }>`
      SELECT store_id::text, secret, pg_snapshot_xmax(pg_current_snapshot())::text AS xmax FROM tally.store_identity`.execute(ctx.db);
    const future = BigInt(rows[0]!.xmax) + 1_000_000n;
    const head = new HeadSigner(rows[0]!.store_id, rows[0]!.secret).sign(`${future}:${future}://`);
    await expectInvalidHead(head, 'future');
  });

  it('round-trips through text with parseHead and formatHead', async () => {
    const { head } = await store.read(account('text'));
    const stored: string = formatHead(head);
    const back = parseHead(stored);
    await store.append([deposit('text')], { condition: { query: account('text'), after: back } });
    expect(() => parseHead('not a head')).toThrow(expect.objectContaining({ code: 'INVALID_HEAD' }));
  });
});

describe("a head remembers how far its own transaction had written", () => {
  for (const isolation of ['read committed', 'serializable'] as const) {
    it(`refuses the second of two decisions in one ${isolation} transaction that read before either appended`, async () => {
      let second: unknown;
      await ctx.db
        .transaction()
        .setIsolationLevel(isolation)
        .execute(async (trx) => {
          const inTrx = store.with(trx);
          const a = await inTrx.read(account(`course-${isolation}`));
          const b = await inTrx.read(account(`course-${isolation}`));
          await inTrx.append([deposit(`course-${isolation}`)], { condition: { query: account(`course-${isolation}`), after: a.head } });
          second = await inTrx
            .append([deposit(`course-${isolation}`)], { condition: { query: account(`course-${isolation}`), after: b.head } })
            .catch((e: unknown) => e);
        })
        .catch(() => {});
      expect(second).toBeInstanceOf(AppendConditionError);
    });
  }

  it('keeps a course of capacity 5 at 5 when 10 subscriptions are decided in one transaction', async () => {
    const course = [{ types: ['MoneyDeposited'], tags: ['account:course-5'] }] satisfies Query<TestEvent>;
    let accepted = 0;
    await ctx.db.transaction().execute(async (trx) => {
      const inTrx = store.with(trx);
      // Every decision reads first (as a handler that gathers its decisions would), then appends.
      const reads = await Promise.all(Array.from({ length: 10 }, () => inTrx.read(course)));
      for (const read of reads) {
        let seen = read;
        for (;;) {
          if (seen.events.length >= 5) break;
          try {
            await inTrx.append([deposit('course-5')], { condition: { query: course, after: seen.head } });
            accepted += 1;
            break;
          } catch (error) {
            if (!(error instanceof AppendConditionError)) throw error;
            seen = await inTrx.read(course);
          }
        }
      }
    });
    expect(accepted).toBe(5);
    expect(await count('course-5')).toBe(5);
  });

  it('counts its own earlier events as seen: read → append → read → append in one transaction', async () => {
    await ctx.db.transaction().execute(async (trx) => {
      const inTrx = store.with(trx);
      for (let i = 0; i < 3; i++) {
        const { head, events } = await inTrx.read(account('own-chain'));
        expect(events).toHaveLength(i);
        await inTrx.append([deposit('own-chain')], { condition: { query: account('own-chain'), after: head } });
      }
    });
    expect(await count('own-chain')).toBe(3);
  });
});
