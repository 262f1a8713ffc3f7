import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmac } from './aead.js';
import { decryptField, encryptField, envelopeSubject } from './field-cipher.js';
import { resolveKeyRing } from './key-ring.js';

const dataKey = randomBytes(32);
const ref = randomBytes(32).toString('base64url');
const place = { eventId: '0190a6d2-0000-7000-8000-000000000001', type: 'AccountOpened', field: 'customerName' };

describe('field envelopes', () => {
  it('encrypts deterministically per (event id, type, field, value), so a retried append stores the same bytes', () => {
    // Naive version caught: a random nonce gives a retry other bytes, which the append's duplicate check calls a conflict.
    const a = encryptField(dataKey, ref, place, 'Ada Lovelace', 'synthetic');
    expect(encryptField(dataKey, ref, place, 'Ada Lovelace', 'synthetic')).toBe(a);
    expect(encryptField(dataKey, ref, place, 'Ada Lovelac', 'synthetic')).not.toBe(a);
    expect(encryptField(dataKey, ref, { ...place, eventId: '0190a6d2-0000-7000-8000-000000000002' }, 'Ada Lovelace', 'synthetic')).not.toBe(a);
    expect(a).not.toContain('Ada');
    expect(envelopeSubject(a)).toBe(ref);
    expect(decryptField(dataKey, a, place)).toEqual({ value: 'Ada Lovelace' });
  });

  it('gives the bytes it always gave (a retry after an upgrade is still a duplicate, keyed tags keep matching)', () => {
    // Vectors from the first release of the envelope; a change to the nonce, the HMAC's input encoding or the
    // layout makes a retried append a conflict and every keyed tag and subject hash a new value.
    const key = Buffer.alloc(32, 7);
    const subject = Buffer.alloc(32, 9).toString('base64url');
    expect(encryptField(key, subject, { eventId: '0190A6D2-0000-7000-8000-000000000001', type: 'CustomerNamed', field: 'name' }, 'Ada Lovelace', 'synthetic')).toBe(
      'tally:enc:v1:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk:5CHSVpsFY_7f1k3tS0KzQYQEWXTGeriy9r043JUMw9SsOmnoGVe1VxEh',
    );
    expect(encryptField(key, subject, { eventId: '0190a6d2-0000-7000-8000-000000000001', type: 'CustomerNamed', field: 'name' }, { first: 'Zoë', n: 1 }, 'synthetic')).toBe(
      'tally:enc:v1:CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk:Afp01KMOFq9OmT3Lrqt2Nb4Fj9Oq-COnEshVhDc1pT1PSDfa61cDFpoL-Cae-y-t5qc',
    );
    expect(hmac(key, 'subject', 'acct-1').toString('base64url')).toBe('YSllpriNl_stmibG0mGHAP3W2xNDcgqEGTluTlo14tI');
    expect(hmac(key, 'tag', 'customer', 'ada lovelace').toString('base64url')).toBe('UZJKSJy9krhqSOEVbOG-MH26U7LVvBM2ZxPKDsFdtOE');
  });

  it('gives an event whose id the store made a random nonce: no HMAC, and never the same bytes twice', () => {
    // An id the store made cannot come back in a retry, so nothing needs these bytes to repeat; GCM needs only that
    // a nonce never meets two plaintexts under one key, which 96 random bits give.
    const a = encryptField(dataKey, ref, place, 'Ada Lovelace', 'random');
    const b = encryptField(dataKey, ref, place, 'Ada Lovelace', 'random');
    expect(a).not.toBe(b);
    expect(a).not.toBe(encryptField(dataKey, ref, place, 'Ada Lovelace', 'synthetic'));
    expect([decryptField(dataKey, a, place), decryptField(dataKey, b, place)]).toEqual([{ value: 'Ada Lovelace' }, { value: 'Ada Lovelace' }]);
  });

  it('keeps JSON values of any kind', () => {
    const value = { first: 'Ada', born: 1815, titles: ['Countess'] };
    expect(decryptField(dataKey, encryptField(dataKey, ref, place, value, 'synthetic'), place)).toEqual({ value });
  });

  it('refuses an envelope moved to another event or field, altered, or under another key', () => {
    const a = encryptField(dataKey, ref, place, 'Ada Lovelace', 'synthetic');
    expect(decryptField(dataKey, a, { ...place, field: 'other' })).toBe('failed');
    expect(decryptField(dataKey, a, { ...place, eventId: '0190a6d2-0000-7000-8000-000000000009' })).toBe('failed');
    expect(decryptField(randomBytes(32), a, place)).toBe('failed');
    const altered = a.slice(0, -3) + (a.endsWith('A') ? 'B' : 'A') + a.slice(-2);
    expect(decryptField(dataKey, altered, place)).toBe('failed');
  });

  it('does not take a plain value for an envelope', () => {
    expect(envelopeSubject('Ada Lovelace')).toBeUndefined();
    expect(envelopeSubject('tally:enc:v1:short:x')).toBeUndefined();
    expect(envelopeSubject(42)).toBeUndefined();
  });
});

describe('resolveKeyRing', () => {
  it('takes base64 text, base64url text and bytes of 32 bytes, and a ring with previous keys', () => {
    const key = randomBytes(32);
    expect(resolveKeyRing(key.toString('base64')).current).toEqual(key);
    expect(resolveKeyRing(key.toString('base64url')).current).toEqual(key);
    expect(resolveKeyRing(new Uint8Array(key)).currentId).toBe('default');
    const ring = resolveKeyRing({ current: { id: 'k2', key }, previous: [{ id: 'k1', key: randomBytes(32) }] });
    expect([ring.currentId, [...ring.byId.keys()]]).toEqual(['k2', ['k2', 'k1']]);
  });

  it('refuses a key of another length, text that is not base64, bad or duplicate ids, with INVALID_ENCRYPTION_KEY', () => {
    for (const bad of [randomBytes(16).toString('base64'), 'not base64 at all!', randomBytes(31)]) {
      expect(() => resolveKeyRing(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ENCRYPTION_KEY' }));
    }
    const key = randomBytes(32);
    expect(() => resolveKeyRing({ current: { id: 'has space', key } })).toThrow(expect.objectContaining({ code: 'INVALID_ENCRYPTION_KEY' }));
    expect(() => resolveKeyRing({ current: { id: 'a', key }, previous: [{ id: 'a', key }] })).toThrow(/two keys/);
  });
});
