import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/** Bytes of an AES-GCM nonce and tag. */
const NONCE = 12;
const TAG = 16;

/** CSPRNG bytes drawn in blocks: one `randomBytes(12)` costs about as much as the AES-GCM it feeds. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let pooled = 0;

/** 12 fresh random bytes, each byte of the pool given out once. */
function randomNonce(): Buffer {
  if (pooled + NONCE > pool.length) {
    pool = randomBytes(POOL_BYTES);
    pooled = 0;
  }
  pooled += NONCE;
  return pool.subarray(pooled - NONCE, pooled);
}

/**
 * AES-256-GCM: `nonce | ciphertext | tag`. `plaintext` may be text (its UTF-8 bytes are sealed). `nonce` defaults
 * to 12 random bytes; the field envelope passes a synthetic one for events whose id the caller chose (see
 * `field-cipher.ts`).
 */
export function seal(key: Buffer, plaintext: Buffer | string, aad: Buffer, nonce: Buffer = randomNonce()): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  const rest = cipher.final();
  return Buffer.concat([nonce, body, rest, cipher.getAuthTag()], NONCE + body.length + rest.length + TAG);
}

/** The plaintext of `seal`, or undefined when the bytes do not authenticate under `key` and `aad`. */
export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < NONCE + TAG) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE, sealed.length - TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * HMAC-SHA256 of the parts, each prefixed by its length (so no two lists of parts give the same input). The
 * input is written into one buffer and given to the MAC in one update: appends compute two of these per
 * personal field, and each extra update or buffer is measurable there.
 */
export function hmac(key: Buffer, ...parts: readonly (string | Buffer)[]): Buffer {
  let size = 0;
  for (const part of parts) size += 4 + (typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length);
  const input = Buffer.allocUnsafe(size);
  let at = 0;
  for (const part of parts) {
    const length = typeof part === 'string' ? input.write(part, at + 4, 'utf8') : part.copy(input, at + 4);
    input.writeUInt32BE(length, at);
    at += 4 + length;
  }
  return createHmac('sha256', key).update(input).digest();
}

export const NONCE_BYTES = NONCE;
