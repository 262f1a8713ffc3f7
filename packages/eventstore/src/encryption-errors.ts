import { EventStoreError } from './errors.js';

/** Codes of {@link EncryptionKeyError}. */
export type EncryptionKeyCode = 'INVALID_ENCRYPTION_KEY' | 'UNKNOWN_ENCRYPTION_KEY' | 'DECRYPTION_FAILED';

/**
 * The store key cannot do what was asked: the `encryptionKey` option (or its provider) gave no usable key
 * (`INVALID_ENCRYPTION_KEY`), a stored key is wrapped under a key id the key ring does not hold
 * (`UNKNOWN_ENCRYPTION_KEY`: add that key to `previous`), or a stored ciphertext does not authenticate under
 * its key (`DECRYPTION_FAILED`: a different key under the same id, or altered bytes). Nothing was written.
 */
export class EncryptionKeyError extends EventStoreError {
  declare readonly code: EncryptionKeyCode;
  constructor(
    code: EncryptionKeyCode,
    message: string,
    /** The key id concerned, when there is one. */
    readonly keyId?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * An append names a subject whose personal data was erased (`eraseSubject`): its key is destroyed, so nothing
 * more can be stored for it. Nothing of the batch was written.
 */
export class SubjectErasedError extends EventStoreError {
  declare readonly code: 'SUBJECT_ERASED';
  constructor(
    /** Index of the event in the batch that names the erased subject. */
    readonly index: number,
  ) {
    super('SUBJECT_ERASED', `Append refused: event ${index} names a subject whose personal data was erased; nothing was written`);
  }
}
