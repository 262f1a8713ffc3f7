import { randomUUID } from 'node:crypto';
import { createTestDatabase, tablesContaining, type TestDatabase } from '@tally/test-harness';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, createEventStore, EncryptionKeyError, isErased, type EventStore, type PersonalDataOptions } from '../src/index.js';
import { erasureCases } from './contract/erasure-cases.js';
import { newKey, payment, personalData, registered, uniqueName, type PiiEvent } from './contract/erasure-fixtures.js';
import { failure } from './contract/fixtures.js';
import pg from 'pg';

const asText = (events: readonly unknown[]) => JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

erasureCases('PostgreSQL', async (options) => {
  const database = await createTestDatabase();
  const store = createEventStore<PiiEvent>({ connectionString: database.url, ...options });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe('erasure on PostgreSQL', () => {
  // Each test its own database: a store's tag secret is wrapped by the store key the first of its stores used.
  let database: TestDatabase;
  const opened: EventStore<PiiEvent>[] = [];
  const open = (options: PersonalDataOptions<PiiEvent> = {}, maxConnections = 4) => {
    const store = createEventStore<PiiEvent>({ connectionString: database.url, maxConnections, personalData, ...options });
    opened.push(store);
    return store;
  };
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    await database.drop();
  });

  it('never stores a personal field or a keyed tag value in plaintext, and after erasure the name is in no table and no read', async () => {
    // Naive versions caught: plaintext fields or `customer:<name>` tags (found in the table scan before erasure),
    // and a reader that keeps plaintext keys (the erasure is made by another store: another process).
    const key = newKey();
    const store = open({ encryptionKey: key });
    const eraser = open({ encryptionKey: key });
    const [a, b] = [`cust-${randomUUID()}`, `cust-${randomUUID()}`];
    const [aName, bName] = [uniqueName('Zebulon'), uniqueName('Philippa')];
    const aTag = await store.keyedTag('customer-name', aName);
    await store.append([{ ...registered(a, aName), tags: [`customer:${a}`, aTag] }, registered(b, bName)]);
    await store.append([{ ...payment(`pay-${randomUUID()}`, [a, aName], [b, bName], 70), metadata: { correlationId: 'c1' } }]);
    expect(await tablesContaining(database.url, aName)).toEqual([]);
    expect(await tablesContaining(database.url, aName.split(' ')[1]!)).toEqual([]);
    // Read once before the erasure, so that any key a reader kept would be at hand afterwards.
    expect(asText((await store.read()).events)).toContain(aName);

    await eraser.eraseSubject(a);
    expect(await tablesContaining(database.url, aName)).toEqual([]);
    const settled = await store.readSettled(undefined, { after: { transactionId: 0n, position: 0n }, limit: 100 });
    const streamed = [];
    for await (const event of store.stream()) streamed.push(event);
    for (const events of [(await store.read()).events, settled.events, streamed]) {
      const text = asText(events);
      expect(text).not.toContain(aName);
      expect(text).toContain(bName);
      const paid = events.find((e) => e.type === 'PaymentSent');
      expect(paid?.type === 'PaymentSent' && isErased(paid.data.fromName) && paid.data.toName === bName).toBe(true);
    }
    // The keyed tag still finds the event (its tag is stable), and the event reads as erased.
    const [byTag] = (await store.read([{ tags: [aTag] }])).events;
    expect(byTag?.type === 'CustomerRegistered' && isErased(byTag.data.name)).toBe(true);
  });

  it('concurrent first appends, appends and erasures of the same subjects: one key per subject, no plaintext, nothing unreadable that is not erased', async () => {
    // Naive versions caught: a key get-or-create that lets two first appends each make a key (INSERT … ON
    // CONFLICT DO UPDATE overwriting it, or a read-then-insert without the conflict arbiter: the loser's events,
    // or the winner's, no longer decrypt); and a key fetched on a second pool connection outside the caller's
    // transaction (a transaction that holds the key row: the append waits for itself).
    const key = newKey();
    const clients = Array.from({ length: 6 }, () => open({ encryptionKey: key }, 2));
    const subjects = Array.from({ length: 12 }, (_, i) => ({ id: `race-${i}-${randomUUID()}`, name: uniqueName(`Racer${i}`), erase: i % 2 === 0 }));
    const rounds = 6;
    await Promise.all(
      clients.map(async (client, c) => {
        for (let round = 0; round < rounds; round++) {
          for (const subject of subjects) {
            const event = registered(subject.id, subject.name);
            const write =
              c % 2 === 0
                ? client.append([event])
                : // In a transaction that stays open a little after its append: the key row it created is
                  // uncommitted meanwhile, and a racing first append must wait for it, not make its own.
                  client.transaction(async (session) => {
                    await session.append([event]);
                    await new Promise((resolve) => setTimeout(resolve, 2));
                  });
            const erase = subject.erase && round === 2 && c === 0 ? client.eraseSubject(subject.id) : undefined;
            const results = await Promise.allSettled([write, erase]);
            for (const result of results) {
              if (result.status === 'rejected' && (result.reason as { code?: string }).code !== 'SUBJECT_ERASED') throw result.reason;
            }
          }
        }
      }),
    );
    const raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
    const { rows } = await raw.query<{ keys: number; erased: number }>(
      `SELECT count(*)::int AS keys, count(erased_at)::int AS erased FROM tally.subject_keys`,
    );
    await raw.end();
    // One row per subject (the primary key); half the subjects erased.
    expect(rows[0]).toEqual({ keys: subjects.length, erased: subjects.length / 2 });
    const reader = open({ encryptionKey: key });
    for (const subject of subjects) {
      expect(await tablesContaining(database.url, subject.name)).toEqual([]);
      const { events } = await reader.read([{ tags: [`customer:${subject.id}`] }]);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        if (event.type !== 'CustomerRegistered') throw new Error('unexpected event');
        if (subject.erase) expect(isErased(event.data.name)).toBe(true);
        else expect(event.data.name).toBe(subject.name);
      }
    }
  });

  it('subjectKeyCacheMs: an append that reuses a cached key after another process erased the subject is refused by its own statement', async () => {
    // Fails on a cache without the statement's check (migration 0009, the check in sql/append-events.ts): the append would succeed
    // with the destroyed key, in the general statement (ids) as in the plain one.
    const key = newKey();
    const [cached, other] = [open({ encryptionKey: key, subjectKeyCacheMs: 60_000 }), open({ encryptionKey: key })];
    const [c, d] = [`cache-${randomUUID()}`, `cache-${randomUUID()}`];
    await cached.append([registered(c, uniqueName('Cached')), registered(d, uniqueName('Own'))]);
    await other.eraseSubject(c);
    const late = uniqueName('Late');
    await expect(cached.append([registered(d, uniqueName('Kept')), registered(c, late)])).rejects.toMatchObject({ code: 'SUBJECT_ERASED', index: 1 });
    await expect(cached.append([{ ...registered(c, late), id: randomUUID() }])).rejects.toMatchObject({ code: 'SUBJECT_ERASED', index: 0 });
    const { events } = await other.read([{ tags: [`customer:${c}`] }]);
    expect(events.map((e) => e.type === 'CustomerRegistered' && isErased(e.data.name))).toEqual([true]);
    expect(await tablesContaining(database.url, late)).toEqual([]);
    // The subject not erased still appends with the cached key; this process's own erasure refuses at once.
    await cached.append([registered(d, uniqueName('Again'))]);
    await cached.eraseSubject(d);
    await expect(cached.append([registered(d, uniqueName('Refused'))])).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
  });

  it('refuses personalData without encryptionKey at createEventStore: nothing could ever be written unencrypted', () => {
    expect(() => createEventStore<PiiEvent>({ connectionString: database.url, personalData })).toThrow(ConfigurationError);
    expect(() => createEventStore<PiiEvent>({ connectionString: database.url, personalData, encryptionKey: 'c2hvcnQ=' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ENCRYPTION_KEY' }),
    );
  });

  it('an unknown store key id or a wrong key is a typed error on read, and a failing key provider is retried', async () => {
    const writer = open({ encryptionKey: { current: { id: 'k1', key: newKey() } } });
    const c = `keys-${randomUUID()}`;
    await writer.append([registered(c, uniqueName('Keyed'))]);
    const query = [{ tags: [`customer:${c}`] }];
    const stranger = open({ encryptionKey: { current: { id: 'k9', key: newKey() } } });
    expect(await failure(stranger.read(query))).toMatchObject({ code: 'UNKNOWN_ENCRYPTION_KEY', keyId: 'k1' });
    const impostor = open({ encryptionKey: { current: { id: 'k1', key: newKey() } } });
    const wrong = await failure(impostor.read(query));
    expect(wrong).toBeInstanceOf(EncryptionKeyError);
    expect(wrong).toMatchObject({ code: 'DECRYPTION_FAILED' });
    let calls = 0;
    const flaky = open({
      encryptionKey: async () => {
        calls++;
        if (calls === 1) throw new Error('KMS unavailable');
        return newKey();
      },
    });
    expect(await failure(flaky.keyedTag('t', 'v'))).toMatchObject({ code: 'INVALID_ENCRYPTION_KEY' });
    // Called again, it answers: with a key of its own, which does not hold the k1 the store's secret is wrapped under.
    await expect(flaky.keyedTag('t', 'v')).rejects.toMatchObject({ code: 'UNKNOWN_ENCRYPTION_KEY', keyId: 'k1' });
    expect(calls).toBe(2);
  });

  it('rotation: with the new key current and the old one previous, rewrapKeys moves every key; then the old key can go; tags stay', async () => {
    const [k1, k2] = [newKey(), newKey()];
    const old = open({ encryptionKey: { current: { id: 'k1', key: k1 } } });
    const c = `rot-${randomUUID()}`;
    const name = uniqueName('Rotated');
    await old.append([registered(c, name)]);
    const tag = await old.keyedTag('customer', name);
    // #region rotation
    const rotating = open({ encryptionKey: { current: { id: 'k2', key: k2 }, previous: [{ id: 'k1', key: k1 }] } });
    expect(await rotating.rewrapKeys()).toEqual({ rewrapped: 2 }); // the subject's key and the tag secret
    // #endregion rotation
    expect(await rotating.rewrapKeys()).toEqual({ rewrapped: 0 });
    const rotated = open({ encryptionKey: { current: { id: 'k2', key: k2 } } });
    const [event] = (await rotated.read([{ tags: [`customer:${c}`] }])).events;
    expect(event?.type === 'CustomerRegistered' && event.data.name).toBe(name);
    expect(await rotated.keyedTag('customer', name)).toBe(tag);
    expect(await failure(open({ encryptionKey: { current: { id: 'k1', key: k1 } } }).read([{ tags: [`customer:${c}`] }]))).toMatchObject({
      code: 'UNKNOWN_ENCRYPTION_KEY',
    });
  });

  it('inside a caller transaction that rolls back, neither the subject key nor the tag secret it created is kept by anyone', async () => {
    // Naive version caught: a store that keeps the tag secret it created in a transaction that then rolled back
    // hashes subjects and tags differently from every other process from then on.
    const key = newKey();
    const [first, second] = [open({ encryptionKey: key }), open({ encryptionKey: key })];
    const c = `rb-${randomUUID()}`;
    await expect(
      first.transaction(async (session) => {
        await session.append([registered(c, uniqueName('Rolled'))]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const tag = await second.keyedTag('customer', 'x');
    expect(await first.keyedTag('customer', 'x')).toBe(tag);
    const name = uniqueName('Kept');
    await first.append([registered(c, name)]);
    const [event] = (await second.read([{ tags: [`customer:${c}`] }])).events;
    expect(event?.type === 'CustomerRegistered' && event.data.name).toBe(name);
    await second.eraseSubject(c);
    const [after] = (await first.read([{ tags: [`customer:${c}`] }])).events;
    expect(after?.type === 'CustomerRegistered' && isErased(after.data.name)).toBe(true);
  });
});
