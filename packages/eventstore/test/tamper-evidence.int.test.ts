import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore, type NewEvent } from '../src/index.js';
import { EVENT_DIGEST_SQL } from '../src/sql/seal-digest.js';
import { closeAll, rawClient, setupStore, type TestEvent } from './helpers.js';

/**
 * Tamper evidence (issue 15): `seal()` chains settled events into `event_seals`, `verify()` recomputes every
 * sealed event's digest from the stored row and compares. The tamperer here is the superuser: it disables the
 * immutability triggers (`ALTER TABLE … DISABLE TRIGGER ALL`) and edits the table for real. Each case names the
 * naive version it catches. Every case has a schema (a store) of its own, ten events at positions 1..10, one
 * per transaction, sealed before the tampering.
 */
let ctx: Awaited<ReturnType<typeof setupStore>>;
let admin: pg.Client;
const stores: EventStore<TestEvent>[] = [];

beforeAll(async () => {
  ctx = await setupStore();
  admin = await rawClient(ctx.database.url);
  return () => closeAll(stores);
});

const deposit = (accountId: string, amount: number): NewEvent<TestEvent> => ({
  type: 'MoneyDeposited',
  data: { accountId, amount },
  tags: [`account:${accountId}`],
  metadata: { correlationId: `c-${amount}` },
});

/** A migrated store in schema `schema` with events at positions 1..`count` (one append each), sealed. */
async function sealedStore(schema: string, count = 10): Promise<EventStore<TestEvent>> {
  const store = createEventStore<TestEvent>({ connectionString: ctx.database.url, schema, maxConnections: 2 });
  stores.push(store);
  await store.migrate();
  for (let i = 1; i <= count; i++) await store.append([deposit(`a${i % 3}`, i * 10)]);
  expect((await store.seal()).sealed).toBe(count);
  return store;
}

/** Runs `statements` as the superuser with every trigger of `table` disabled, as an attacker would. */
async function tamper(schema: string, statements: string, table = 'events'): Promise<void> {
  await admin.query(`BEGIN; ALTER TABLE "${schema}".${table} DISABLE TRIGGER ALL; ${statements};
    ALTER TABLE "${schema}".${table} ENABLE TRIGGER ALL; COMMIT`);
}

describe('verify() over untouched events', () => {
  it('is ok and checks every sealed event; a rewrite of the same values (jsonb reparsed) changes nothing', async () => {
    const store = await sealedStore('untouched');
    expect(await store.verify()).toMatchObject({ ok: true, checked: 10, unsealed: 0 });
    // The digest hashes PostgreSQL's canonical jsonb text, not the bytes a client sent: the same value written
    // again in another spelling still verifies. (A digest over the client's JSON text would differ.)
    await tamper('untouched', `UPDATE "untouched".events SET data = (data::text)::jsonb, metadata = ('{ "correlationId" : "c-' || position * 10 || '" }')::jsonb`);
    const result = await store.verify();
    expect(result).toMatchObject({ ok: true, checked: 10, unsealed: 0 });
    expect(result.head).toMatch(/^1:[0-9a-f]{64}$/);
  });
});

describe('verify() catches the superuser who disabled the triggers', () => {
  it('UPDATE of one event’s data: firstBroken is that position', async () => {
    // Naive version caught: a chain over the seals alone (never recomputed from the events), or counting rows.
    const store = await sealedStore('t_update');
    await tamper('t_update', `UPDATE "t_update".events SET data = jsonb_set(data, '{amount}', '1000000') WHERE position = 4`);
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 4n, problem: 'altered' });
  });

  it('UPDATE of a tag, the metadata or occurred_at by one microsecond: each is caught', async () => {
    // Naive version caught: a digest over type and data only.
    const store = await sealedStore('t_fields');
    for (const [position, change] of [
      [3, `tags = ARRAY['account:someone-else']`],
      [5, `metadata = '{"correlationId":"forged"}'`],
      [7, `occurred_at = occurred_at + interval '1 microsecond'`],
    ] as const) {
      await tamper('t_fields', `UPDATE "t_fields".events SET ${change} WHERE position = ${position}`);
    }
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 3n, problem: 'altered' });
    expect(await store.verify({ from: 4n })).toMatchObject({ ok: false, firstBroken: 5n, problem: 'altered' });
    expect(await store.verify({ from: 6n })).toMatchObject({ ok: false, firstBroken: 7n, problem: 'altered' });
  });

  it('DELETE of one event: firstBroken is the deleted position', async () => {
    // Naive version caught: comparing each remaining event with its seal by position (nothing is "different").
    const store = await sealedStore('t_delete');
    await tamper('t_delete', `DELETE FROM "t_delete".events WHERE position = 6`);
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 6n, problem: 'missing' });
  });

  it('two payloads swapped: firstBroken is the first of the two', async () => {
    // Naive version caught: a digest of the set of payloads (an XOR or sum of digests), which a swap keeps.
    const store = await sealedStore('t_swap');
    await tamper(
      't_swap',
      `UPDATE "t_swap".events e SET data = o.data FROM "t_swap".events o WHERE (e.position, o.position) IN ((3, 7), (7, 3))`,
    );
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 3n, problem: 'altered' });
  });

  it('two events reordered (their transaction ids swapped): firstBroken is the first one out of place', async () => {
    // Naive version caught: per-event digests looked up by position, which never look at the order.
    const store = await sealedStore('t_reorder');
    await tamper(
      't_reorder',
      `UPDATE "t_reorder".events e SET transaction_id = o.transaction_id FROM "t_reorder".events o
        WHERE (e.position, o.position) IN ((2, 5), (5, 2))`,
    );
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 2n, problem: 'missing' });
  });

  it('an event inserted inside the sealed part of the log: firstBroken is the inserted one', async () => {
    // Naive version caught: checking only that every sealed event is still there.
    const store = await sealedStore('t_insert');
    await tamper(
      't_insert',
      `INSERT INTO "t_insert".events (transaction_id, id, type, data, tags)
       SELECT transaction_id, gen_random_uuid(), 'MoneyDeposited', '{"accountId":"a1","amount":5}', '{account:a1}'
         FROM "t_insert".events WHERE position = 5`,
    );
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 11n, problem: 'unsealed-event' });
  });

  it('a seal edited to match an edited event breaks the chain; rewriting the chain too is caught by the anchored head', async () => {
    // Naive version caught: trusting each seal's digests without the chain (the first step), and trusting
    // whatever chain the database holds (the second: only a head kept outside the database catches it).
    const store = await sealedStore('t_seal');
    const anchored = (await store.verify()).head!;
    await store.append([deposit('later', 1)]);
    const second = await store.seal();
    expect(second.head).toMatch(/^2:/);

    await tamper('t_seal', `UPDATE "t_seal".events SET data = jsonb_set(data, '{amount}', '1') WHERE position = 2`);
    const rewriteDigests = `UPDATE "t_seal".event_seals s SET digests = (
        SELECT string_agg(${EVENT_DIGEST_SQL}, ''::bytea ORDER BY e.transaction_id, e.position)
          FROM "t_seal".events e WHERE e.position = ANY (s.positions)) WHERE s.seal = 1`;
    await tamper('t_seal', rewriteDigests, 'event_seals');
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 1n, problem: 'seal' });

    // The attacker recomputes every chain value from there on: the database alone now looks consistent...
    await tamper(
      't_seal',
      `UPDATE "t_seal".event_seals SET chain = sha256('\\x${'00'.repeat(32)}'::bytea || digests) WHERE seal = 1;
       UPDATE "t_seal".event_seals s SET chain = sha256(p.chain || s.digests) FROM "t_seal".event_seals p WHERE s.seal = 2 AND p.seal = 1`,
      'event_seals',
    );
    expect(await store.verify()).toMatchObject({ ok: true, checked: 11 });
    // ...but not against the head recorded outside it before the attack.
    expect(await store.verify({ expectedHead: anchored })).toMatchObject({ ok: false, firstBroken: 1n, problem: 'head' });
  });

  it('the first seal deleted: the chain breaks at the second, firstBroken is the first event', async () => {
    // Naive version caught: checking each seal's digests against its events only (seal 2 still matches its own).
    const store = await sealedStore('t_first_seal');
    await store.append([deposit('late', 1)]);
    await store.seal();
    await tamper('t_first_seal', `DELETE FROM "t_first_seal".event_seals WHERE seal = 1`, 'event_seals');
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 1n, problem: 'seal', checked: 0 });
  });

  it('the newest events dropped with their seal: only the anchored head catches it', async () => {
    // Naive version caught: a verify that trusts the chain the database holds (what is left chains up fine).
    const store = await sealedStore('t_tail');
    await store.append([deposit('late', 1), deposit('late', 2)]);
    const { head } = await store.seal();
    expect(head).toMatch(/^2:/);
    await tamper('t_tail', `DELETE FROM "t_tail".event_seals WHERE seal = 2`, 'event_seals');
    await tamper('t_tail', `DELETE FROM "t_tail".events WHERE position > 10`);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 10, unsealed: 0 });
    const anchored = await store.verify({ expectedHead: head! });
    expect(anchored).toMatchObject({ ok: false, problem: 'head' });
    expect(anchored.firstBroken).toBeUndefined(); // nothing is left after the remaining seal to name
  });

  it('a range checks only its positions: tampering outside it does not fail it, inside it does', async () => {
    const store = await sealedStore('t_range');
    await tamper('t_range', `UPDATE "t_range".events SET data = jsonb_set(data, '{amount}', '0') WHERE position = 8`);
    expect(await store.verify({ from: 1n, to: 5n })).toMatchObject({ ok: true, checked: 5, unsealed: 0 });
    expect(await store.verify({ from: 6n, to: 10n })).toMatchObject({ ok: false, firstBroken: 8n });
    expect(await store.verify({ from: 9n })).toMatchObject({ ok: true, checked: 2 });
  });
});

describe('many seals', () => {
  it('orders seals by number, not as text: twelve seals verify, the head is the twelfth, an edit in the eleventh is found', async () => {
    // Naive version caught: ORDER BY the text of the seal number ('9' after '10'), which took seal 9 for the last
    // and compared the events with the seals in the order 1, 10, 11, 12, 2, … (the 1M-event benchmark found it).
    const store = await sealedStore('many_seals', 0);
    for (let i = 1; i <= 12; i++) {
      await store.append([deposit(`m${i}`, i)]);
      expect((await store.seal()).sealed).toBe(1);
    }
    const result = await store.verify();
    expect(result).toMatchObject({ ok: true, checked: 12, unsealed: 0, sealedThrough: { position: 12n } });
    expect(result.head).toMatch(/^12:/);
    await tamper('many_seals', `UPDATE "many_seals".events SET data = jsonb_set(data, '{amount}', '0') WHERE position = 11`);
    expect(await store.verify()).toMatchObject({ ok: false, firstBroken: 11n, problem: 'altered' });
  });
});

describe('sealing follows the settled order', () => {
  it('seals two transactions that commit in the opposite order of their positions, each once, and verifies', async () => {
    // Naive version caught: sealing in position order up to the highest committed position, which seals the
    // later transaction's event and skips, forever, the earlier position committed after it.
    const store = await sealedStore('out_of_order', 2);
    let firstPosition = 0n;
    await ctx.db.transaction().execute(async (trx) => {
      firstPosition = (await store.with(trx).append([deposit('slow', 1)])).positions[0]!;
      const { positions } = await store.append([deposit('fast', 2)]);
      expect(positions[0]).toBeGreaterThan(firstPosition);
      // The fast one is committed, the slow one is not: nothing may be sealed past the slow one.
      expect((await store.seal()).sealed).toBe(0);
      expect(await store.verify({ from: firstPosition })).toMatchObject({ ok: true, checked: 0, unsealed: 1 });
    });
    expect((await store.seal()).sealed).toBe(2);
    expect(await store.verify()).toMatchObject({ ok: true, checked: 4, unsealed: 0 });
    expect(await store.verify({ from: firstPosition })).toMatchObject({ ok: true, checked: 2 });
  });

  it('seals each event once when two processes call seal() at the same time', async () => {
    // Naive version caught: a sealer without the lock: both read the same last seal and write the same
    // events twice (or one fails on the seal number's primary key).
    const store = await sealedStore('concurrent', 0);
    const batch = (n: number) => Array.from({ length: 1000 }, (_, i) => deposit(`c${i % 7}`, n * 1000 + i));
    for (let n = 0; n < 25; n++) await store.append(batch(n)); // 25,000 events: three seals of 10,000 at most
    const [one, two] = [1, 2].map(() => {
      const s = createEventStore<TestEvent>({ connectionString: ctx.database.url, schema: 'concurrent', maxConnections: 1 });
      stores.push(s);
      return s;
    }) as [EventStore<TestEvent>, EventStore<TestEvent>];
    const results = await Promise.all([one.seal(), two.seal(), one.seal()]);
    expect(results.reduce((sum, r) => sum + r.sealed, 0)).toBe(25_000);
    const { rows } = await admin.query<{ sealed: string; distinct: string; seals: string }>(
      `SELECT count(*) AS sealed, count(DISTINCT p) AS distinct, count(DISTINCT s.seal) AS seals
         FROM concurrent.event_seals s, unnest(s.positions) AS p`,
    );
    expect(rows[0]).toEqual({ sealed: '25000', distinct: '25000', seals: '3' });
    expect(await store.verify()).toMatchObject({ ok: true, checked: 25_000, unsealed: 0 });
  });
});

describe('the seals are as immutable as the events', () => {
  it('refuses UPDATE, DELETE and TRUNCATE of event_seals with the triggers on', async () => {
    await sealedStore('immutable_seals', 1);
    for (const statement of ['UPDATE immutable_seals.event_seals SET sealed_at = now()', 'DELETE FROM immutable_seals.event_seals', 'TRUNCATE immutable_seals.event_seals']) {
      await expect(admin.query(statement)).rejects.toMatchObject({ code: 'TLY01' });
    }
  });
});
