import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isErased, SubjectErasedError, type EventStore, type StoredEvent } from '../../src/index.js';
import { newKey, payment, personalData, registered, uniqueName, type MakeErasingStore, type PiiEvent } from './erasure-fixtures.js';
import { failure, uniqueKey } from './fixtures.js';

/** Events as text, to look for a value anywhere in them. */
const asText = (events: readonly unknown[]) => JSON.stringify(events, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));

/** Every read path of a store: read, stream and readSettled (what subscriptions and projections read). */
async function everyReadPath(store: EventStore<PiiEvent>, tag: string): Promise<StoredEvent<PiiEvent>[][]> {
  const query = [{ tags: [tag] }] as const;
  const streamed: StoredEvent<PiiEvent>[] = [];
  for await (const event of store.stream(query, { batchSize: 1 })) streamed.push(event);
  const settled = await store.readSettled(query, { after: { transactionId: 0n, position: 0n }, limit: 1000 });
  return [(await store.read(query)).events, streamed, settled.events];
}

/**
 * Erasure by crypto-shredding, the same in every store: personal fields encrypted on append and decrypted on
 * every read path, erased for good by `eraseSubject`, another subject of the same event untouched, appends for
 * an erased subject refused, retries still idempotent, keyed tags stable.
 */
export function erasureCases(name: string, make: MakeErasingStore): void {
  describe(`EventStore contract: ${name}: erasure of personal data`, () => {
    let store: EventStore<PiiEvent>;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await make({ personalData, encryptionKey: newKey() }));
    });
    afterAll(() => cleanup());

    it('reads personal fields back as written, on every read path', async () => {
      const c = uniqueKey('c');
      const name = uniqueName('Ada');
      await store.append([registered(c, name)]);
      for (const events of await everyReadPath(store, `customer:${c}`)) {
        expect(events.map((e) => e.data)).toEqual([{ customerId: c, name, email: expect.stringContaining('@example.org') }]);
      }
    });

    it('after eraseSubject, every read path gives the fields as Erased; the other subject of a payment keeps its name', async () => {
      // Naive version caught: an erasure that deletes events or leaves plaintext readable; or one that erases
      // every field of an event naming the subject (the payee's name would be lost too).
      const [payer, payee] = [uniqueKey('payer'), uniqueKey('payee')];
      const [payerName, payeeName] = [uniqueName('Payer'), uniqueName('Payee')];
      await store.append([registered(payer, payerName), registered(payee, payeeName)]);
      await store.append([payment(uniqueKey('p'), [payer, payerName], [payee, payeeName], 25)]);
      const result = await store.eraseSubject(payer, { erasedBy: 'ticket-42' });
      expect(result).toMatchObject({ subject: payer, alreadyErased: false });
      for (const events of await everyReadPath(store, `customer:${payer}`)) {
        expect(asText(events)).not.toContain(payerName);
        const [reg, paid] = events;
        expect(reg!.type === 'CustomerRegistered' && isErased(reg!.data.name) && isErased(reg!.data.email)).toBe(true);
        if (paid!.type !== 'PaymentSent') throw new Error('expected the payment');
        expect(isErased(paid!.data.fromName)).toBe(true);
        expect(paid!.data).toMatchObject({ toName: payeeName, amount: 25, from: payer, to: payee });
      }
      const [payeeEvents] = await everyReadPath(store, `customer:${payee}`);
      expect(payeeEvents!.map((e) => (e.type === 'CustomerRegistered' ? e.data.name : e.type === 'PaymentSent' ? e.data.toName : null))).toEqual([payeeName, payeeName]);
    });

    it('is idempotent: a second erasure changes nothing and says so', async () => {
      const c = uniqueKey('twice');
      await store.append([registered(c, uniqueName('Twice'))]);
      const first = await store.eraseSubject(c);
      const second = await store.eraseSubject(c);
      expect(second).toEqual({ ...first, alreadyErased: true });
      const listed = (await store.erasures({ after: first.sequence - 1n })).filter((e) => e.subject === c);
      expect(listed).toHaveLength(1);
    });

    it('refuses an append naming an erased subject with SUBJECT_ERASED, writing nothing of the batch', async () => {
      const [gone, other] = [uniqueKey('gone'), uniqueKey('other')];
      await store.eraseSubject(gone); // never had a key: a tombstone keeps it erased
      const error = await failure(store.append([registered(other, uniqueName('Other')), registered(gone, uniqueName('Gone'))]));
      expect(error).toBeInstanceOf(SubjectErasedError);
      expect(error).toMatchObject({ code: 'SUBJECT_ERASED', index: 1 });
      expect((await store.read([{ tags: [`customer:${other}`] }])).events).toEqual([]);
    });

    it('keeps a retried append (same ids) a duplicate: the encryption of a retry gives the same bytes', async () => {
      // Naive version caught: a random nonce per append makes the retry other content: EVENT_ID_CONFLICT.
      const c = uniqueKey('retry');
      const event = registered(c, uniqueName('Retry'), randomUUID());
      const first = await store.append([event]);
      const retry = await store.append([event]);
      expect(retry).toMatchObject({ duplicate: true, positions: first.positions });
    });

    it('keyedTag: equal values give one tag that shows nothing of the value; other values or prefixes other tags', async () => {
      const name = uniqueName('Tagged');
      const tag = await store.keyedTag('customer', name);
      expect(tag).toMatch(/^customer:[A-Za-z0-9_-]{43}$/);
      expect(tag).not.toContain(name.split(' ')[0]!);
      expect(await store.keyedTag('customer', name)).toBe(tag);
      expect(await store.keyedTag('customer', `${name}.`)).not.toBe(tag);
      expect(await store.keyedTag('client', name)).not.toBe(`client:${tag.slice('customer:'.length)}`);
    });

    it('leaves events without personal data as they are', async () => {
      const note = `plain ${randomUUID()}`;
      await store.append([{ type: 'Noted', data: { note }, tags: [`note:${note}`] }]);
      expect((await store.read([{ tags: [`note:${note}`] }])).events[0]!.data).toEqual({ note });
    });
  });
}
