import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decryptField, encryptField, envelopeSubject } from './field-cipher.js';
import { resolveKeyRing } from './key-ring.js';

const dataKey = randomBytes(32);
const hash = randomBytes(32);
const place = { eventId: '0190a6d2-0000-7000-8000-000000000001', type: 'AccountOpened', field: 'customerName' };

describe('field envelopes', () => {
  it('encrypts deterministically per (event id, type, field, value), so a retried append stores the same bytes', () => {
    // Naive version caught: a random nonce gives a retry other bytes, which the append's duplicate check calls a conflict.
    const a = encryptField(dataKey, hash, place, 'Ada Lovelace');
    expect(encryptField(dataKey, hash, place, 'Ada Lovelace')).toBe(a);
    expect(encryptField(dataKey, hash, place, 'Ada Lovelac')).not.toBe(a);
    expect(encryptField(dataKey, hash, { ...place, eventId: '0190a6d2-0000-7000-8000-000000000002' }, 'Ada Lovelace')).not.toBe(a);
    expect(a).not.toContain('Ada');
    expect(envelopeSubject(a)).toBe(hash.toString('base64url'));
    expect(decryptField(dataKey, a, place)).toEqual({ value: 'Ada Lovelace' });
  });

  it('keeps JSON values of any kind', () => {
    const value = { first: 'Ada', born: 1815, titles: ['Countess'] };
    expect(decryptField(dataKey, encryptField(dataKey, hash, place, value), place)).toEqual({ value });
  });

  it('refuses an envelope moved to another event or field, altered, or under another key', () => {
    const a = encryptField(dataKey, hash, place, 'Ada Lovelace');
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
