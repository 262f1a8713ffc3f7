import type { KeyVault } from './key-vault.js';
import type { PersonalDataCodec } from './personal-data-codec.js';

/** How many keys one `rewrapKeys` round reads. */
const ROUND = 500;

/**
 * Rewraps every stored key (subject keys, the tag secret) that is not wrapped under the ring's current key,
 * so that the previous keys can be dropped from the ring. Safe while the store runs: a key erased or rewrapped
 * meanwhile is left as it is. Returns how many keys it rewrapped.
 * @throws {EncryptionKeyError} UNKNOWN_ENCRYPTION_KEY when a key is wrapped under an id the ring lacks
 */
export async function rewrapKeys(codec: PersonalDataCodec, vault: KeyVault): Promise<{ readonly rewrapped: number }> {
  const ring = await codec.ring();
  let rewrapped = 0;
  for (;;) {
    const entries = await vault.wrappedNotUnder(ring.currentId, ROUND);
    if (entries.length === 0) return { rewrapped };
    for (const entry of entries) {
      await vault.rewrap(entry, codec.rewrapped(ring, entry));
      rewrapped++;
    }
  }
}
