import { ConfigurationError, InvalidQueryError } from '../errors.js';
import { eraseSubject, type EraseSubjectOptions, type ErasureResult } from './erase-subject.js';
import type { ErasureRecord, KeyVault } from './key-vault.js';
import type { PersonalDataCodec } from './personal-data-codec.js';
import { rewrapKeys } from './rewrap-keys.js';

/** One recorded erasure, as `store.erasures()` lists them. */
export type Erasure = ErasureRecord;

/** The store's operations on personal data and its keys. */
export interface PersonalDataOperations {
  /**
   * Erases a subject's personal data by destroying its data key (crypto-shredding) and records the erasure
   * (`erasedBy`, when). Idempotent: erasing again changes nothing and says `alreadyErased`. From then on every
   * read path returns the subject's personal fields as `Erased`, appends naming the subject are refused with
   * `SubjectErasedError`, and projectors run `onErase(subject)` on their projections. Safe while appends and
   * projections run: an append that fetched the key before the erasure and commits after it stores ciphertext
   * whose key is gone, which reads as erased.
   * @throws {ConfigurationError} on a store without `encryptionKey`
   * @throws {InvalidQueryError} INVALID_OPTION for an empty subject
   */
  eraseSubject(subject: string, options?: EraseSubjectOptions): Promise<ErasureResult>;
  /**
   * Rewraps every stored key under the key ring's current key, so that previous store keys can be retired (drop
   * them from `previous` once it returns). Safe to run while the store runs, and to run again.
   * @throws {ConfigurationError} on a store without `encryptionKey`
   * @throws {EncryptionKeyError} UNKNOWN_ENCRYPTION_KEY when a key is wrapped under an id the ring lacks
   */
  rewrapKeys(): Promise<{ readonly rewrapped: number }>;
  /**
   * A tag that stands for personal data without revealing it: `${prefix}:<HMAC-SHA256 of value>` under the
   * store's tag secret (random, created once, wrapped by the store key; rotation rewraps it, so a value's tag
   * never changes). Equal values give equal tags, so a uniqueness condition on the tag still works; the value
   * cannot be read back from it, nor guessed without the store key. Normalise the value first if look-alike
   * values must share a tag.
   * @example
   * const tag = await store.keyedTag('customer', normalizedName); // 'customer:3q2-7w…'
   * @throws {ConfigurationError} on a store without `encryptionKey`
   */
  keyedTag(prefix: string, value: string): Promise<string>;
  /** The recorded erasures after `after` (a `sequence`), oldest first, at most `limit` (default 100). */
  erasures(options?: { readonly after?: bigint; readonly limit?: number }): Promise<Erasure[]>;
}

/**
 * The operations over a store's codec and vault; `vault()` is the store's own (autocommit) one. Without a codec
 * (no `encryptionKey`) only `erasures` works (and finds none).
 */
export function personalDataOperations(
  codec: PersonalDataCodec | undefined,
  vault: () => KeyVault,
  guard: <T>(work: () => Promise<T>) => Promise<T>,
): PersonalDataOperations {
  const withCodec = <T>(what: string, work: (codec: PersonalDataCodec) => Promise<T>) =>
    guard(() => {
      if (!codec) throw new ConfigurationError(`${what} needs a store created with encryptionKey`);
      return work(codec);
    });
  return {
    eraseSubject: (subject, options) => withCodec('eraseSubject', (c) => eraseSubject(c, vault(), subject, options)),
    rewrapKeys: () => withCodec('rewrapKeys', (c) => rewrapKeys(c, vault())),
    keyedTag: (prefix, value) =>
      withCodec('keyedTag', async (c) => {
        if (typeof prefix !== 'string' || prefix === '') throw new InvalidQueryError('INVALID_OPTION', 'keyedTag needs a non-empty prefix', 'prefix');
        if (typeof value !== 'string') throw new InvalidQueryError('INVALID_OPTION', 'keyedTag needs a string value', 'value');
        return c.keyedTag(vault(), prefix, value);
      }),
    erasures: (options = {}) =>
      guard(async () => {
        const after = options.after ?? 0n;
        const limit = options.limit ?? 100;
        if (typeof after !== 'bigint' || after < 0n) throw new InvalidQueryError('INVALID_OPTION', 'after must be a non-negative bigint', 'options.after');
        if (!Number.isSafeInteger(limit) || limit < 1) throw new InvalidQueryError('INVALID_OPTION', 'limit must be a positive integer', 'options.limit');
        return vault().erasures(after, limit);
      }),
  };
}
