import { InvalidQueryError } from '../errors.js';
import type { KeyVault } from './key-vault.js';
import type { PersonalDataCodec } from './personal-data-codec.js';

/** What `eraseSubject` did. */
export interface ErasureResult {
  readonly subject: string;
  /** When the subject's key was destroyed (by this call, or by the first one). */
  readonly erasedAt: Date;
  /** The erasure's place in the store's order of erasures (what projectors follow to call `onErase`). */
  readonly sequence: bigint;
  /** Whether the subject had been erased before: then nothing changed. */
  readonly alreadyErased: boolean;
}

/** Options of `eraseSubject`. */
export interface EraseSubjectOptions {
  /** Who asked for the erasure (a user, a ticket), kept in the erasure record. */
  readonly erasedBy?: string;
}

/**
 * Destroys `subject`'s data key and records the erasure (idempotent). A subject that never had a key gets a
 * tombstone, so that appends naming it are refused from now on.
 * @throws {InvalidQueryError} INVALID_OPTION for an empty subject or a non-string `erasedBy`
 */
export async function eraseSubject(codec: PersonalDataCodec, vault: KeyVault, subject: string, options: EraseSubjectOptions = {}): Promise<ErasureResult> {
  if (typeof subject !== 'string' || subject === '') throw new InvalidQueryError('INVALID_OPTION', 'eraseSubject needs a non-empty subject id', 'subject');
  if (options.erasedBy !== undefined && typeof options.erasedBy !== 'string') {
    throw new InvalidQueryError('INVALID_OPTION', 'erasedBy must be a string', 'options.erasedBy');
  }
  const hash = await codec.subjectHash(vault, subject);
  codec.forgetAppendKey(hash);
  const record = await vault.erase(hash, subject, options.erasedBy ?? null);
  codec.forgetAppendKey(hash); // again: an append of this process may have cached it meanwhile
  return { subject, erasedAt: record.erasedAt, sequence: record.sequence, alreadyErased: record.alreadyErased };
}
