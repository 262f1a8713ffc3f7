import { randomBytes } from 'node:crypto';
import type { EncryptionKeyOption } from '@tally/eventstore';

/** The environment variable that holds the bank's store key. */
export const ENCRYPTION_KEY_VARIABLE = 'TALLY_ENCRYPTION_KEY';

/** The bank cannot start without its store key. */
export class MissingEncryptionKeyError extends Error {
  override readonly name = 'MissingEncryptionKeyError';
  readonly code = 'ENCRYPTION_KEY_MISSING';
  constructor() {
    super(
      `${ENCRYPTION_KEY_VARIABLE} is not set: the bank stores customer names encrypted and needs its store key, 32 bytes ` +
        `in base64 (generate one with \`openssl rand -base64 32\` and keep it in your secret store; losing it loses every name)`,
    );
  }
}

// #region key
/**
 * The bank's store key (it wraps every customer's key): `TALLY_ENCRYPTION_KEY`, 32 bytes in base64. A database
 * that lives only as long as this process (the embedded one) gets a fresh random key when none is set, since
 * its data goes with it; any other database needs the variable, so that every process of the bank (API, CLI,
 * projector workers) uses the same key.
 * @throws {MissingEncryptionKeyError} when the variable is unset (and the database is not throwaway)
 */
export function bankEncryptionKey(options: { readonly throwaway?: boolean; readonly env?: NodeJS.ProcessEnv } = {}): EncryptionKeyOption {
  const value = (options.env ?? process.env)[ENCRYPTION_KEY_VARIABLE];
  if (value !== undefined && value !== '') return value;
  if (options.throwaway) return randomBytes(32);
  throw new MissingEncryptionKeyError();
}
// #endregion key
