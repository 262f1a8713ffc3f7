import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EncodingEvent } from '../codec/codec-types.js';
import { MemoryKeyVault } from '../testing/memory/memory-key-vault.js';
import { envelopeSubject } from './field-cipher.js';
import type { EventShape } from '../types.js';
import { PersonalDataCodec } from './personal-data-codec.js';
import type { PersonalDataOptions } from './personal-data-options.js';

const registered = (accountId: string, name: string): EncodingEvent => ({ id: undefined, type: 'Registered', data: { accountId, name }, tags: [], metadata: {} });

/** A memory vault that counts the codec's calls to it. */
function countingVault(): { readonly vault: () => MemoryKeyVault; readonly calls: () => number } {
  const vault = new MemoryKeyVault();
  let calls = 0;
  return {
    vault: () => {
      calls++;
      return vault;
    },
    calls: () => calls,
  };
}

describe('PersonalDataCodec.encode', () => {
  type Registered = { readonly type: 'Registered'; readonly data: { readonly accountId: string; readonly name: string } };
  const options: PersonalDataOptions<Registered> = { personalData: { Registered: { subject: (data) => data.accountId, fields: ['name'] } }, encryptionKey: randomBytes(32) };
  // As createCodec does: the codec works on events of any shape.
  const codec = () => new PersonalDataCodec(options as PersonalDataOptions<EventShape>);

  // Fails on an async encode (a promise and an await on every append of personal data) and on one that asks the
  // vault for a key it holds.
  it('answers at once, without the vault, when the tag secret and the subject key are at hand', async () => {
    const pd = codec();
    const { vault, calls } = countingVault();
    const first = pd.encode(vault, [registered('a-1', 'Ada')]);
    expect(first).toBeInstanceOf(Promise);
    const [stored] = await first;
    expect(calls()).toBeGreaterThan(0);
    const before = calls();
    const second = pd.encode(vault, [registered('a-1', 'Grace')]);
    expect(second).not.toBeInstanceOf(Promise);
    expect(calls()).toBe(before);
    const [again] = second as readonly EncodingEvent[];
    const envelope = (again!.data as { name: string }).name;
    expect(envelope).not.toContain('Grace');
    expect(envelopeSubject(envelope)).toBe(envelopeSubject((stored!.data as { name: string }).name));
    // What the append statement checks: the subject's hash in hex, the one the envelope names in base64url.
    expect(again!.subjects).toEqual([Buffer.from(envelopeSubject(envelope)!, 'base64url').toString('hex')]);
    // A subject whose key is not at hand goes back to the vault.
    expect(pd.encode(vault, [registered('a-2', 'Alan')])).toBeInstanceOf(Promise);
  });

  it('refuses an event whose subject is erased, on the path that fetches keys and on the one that does not', async () => {
    const pd = codec();
    const { vault } = countingVault();
    await pd.encode(vault, [registered('a-1', 'Ada')]);
    const hash = await pd.subjectHash(vault(), 'a-1');
    await vault().erase(hash, 'a-1', null);
    // This process still holds the key: the append statement is what refuses it (SUBJECT_ERASED from PostgreSQL).
    expect(pd.encode(vault, [registered('a-1', 'Ada')])).not.toBeInstanceOf(Promise);
    pd.forgetAppendKey(hash);
    await expect(pd.encode(vault, [registered('a-3', 'Kept'), registered('a-1', 'Ada')])).rejects.toMatchObject({ code: 'SUBJECT_ERASED', index: 1 });
  });
});
