import { EncryptionKeyError } from '../encryption-errors.js';
import type { EncryptionKeyOption, KeyMaterial, KeyRing } from './personal-data-options.js';

/** A key ring with its keys as checked 32-byte buffers. */
export interface ResolvedKeyRing {
  readonly currentId: string;
  readonly current: Buffer;
  /** Every key of the ring by id, the current one included. */
  readonly byId: ReadonlyMap<string, Buffer>;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/_-]+={0,2}$/;

function keyBytes(material: KeyMaterial, id: string): Buffer {
  let bytes: Buffer | undefined;
  if (typeof material === 'string') {
    const text = material.trim();
    bytes = base64Pattern.test(text) ? Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64') : undefined;
  } else if (material instanceof Uint8Array) {
    bytes = Buffer.from(material);
  }
  if (bytes?.length !== 32) {
    throw new EncryptionKeyError(
      'INVALID_ENCRYPTION_KEY',
      `encryption key "${id}" must be 32 bytes, given as base64 text (e.g. \`openssl rand -base64 32\`) or a Uint8Array`,
      id,
    );
  }
  return bytes;
}

function isKeyRing(value: unknown): value is KeyRing {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && 'current' in value;
}

/** Checks a key or key ring and returns its keys by id. @throws {EncryptionKeyError} INVALID_ENCRYPTION_KEY */
export function resolveKeyRing(value: KeyMaterial | KeyRing): ResolvedKeyRing {
  const ring: KeyRing = isKeyRing(value) ? value : { current: { id: 'default', key: value } };
  const entries = [ring.current, ...(ring.previous ?? [])];
  const byId = new Map<string, Buffer>();
  for (const entry of entries) {
    if (typeof entry?.id !== 'string' || !keyIdPattern.test(entry.id)) {
      throw new EncryptionKeyError('INVALID_ENCRYPTION_KEY', 'every key of the ring needs an id of 1-64 characters of A-Z, a-z, 0-9, ".", "_", "-"');
    }
    if (byId.has(entry.id)) throw new EncryptionKeyError('INVALID_ENCRYPTION_KEY', `the key ring has two keys with id "${entry.id}"`, entry.id);
    byId.set(entry.id, keyBytes(entry.key, entry.id));
  }
  return { currentId: ring.current.id, current: byId.get(ring.current.id)!, byId };
}

/**
 * The store key of the `encryptionKey` option, resolved once: a key or ring is checked at once (so a bad key
 * fails `createEventStore`), a provider function on first use; its answer is kept, a failure is not.
 */
export class StoreKey {
  #ring: Promise<ResolvedKeyRing> | undefined;
  readonly #provider: (() => Promise<KeyMaterial | KeyRing>) | undefined;

  constructor(option: EncryptionKeyOption) {
    if (typeof option === 'function') {
      this.#provider = option;
    } else {
      this.#ring = Promise.resolve(resolveKeyRing(option));
    }
  }

  /** @throws {EncryptionKeyError} INVALID_ENCRYPTION_KEY when the provider fails or returns no valid key */
  ring(): Promise<ResolvedKeyRing> {
    this.#ring ??= Promise.resolve()
      .then(() => this.#provider!())
      .then(
        (value) => resolveKeyRing(value),
        (error: unknown) => {
          throw new EncryptionKeyError('INVALID_ENCRYPTION_KEY', `the encryptionKey provider failed: ${error instanceof Error ? error.message : String(error)}`, undefined, { cause: error });
        },
      )
      .catch((error: unknown) => {
        this.#ring = undefined;
        throw error;
      });
    return this.#ring;
  }
}
