import type { EventShape, EventType, PayloadOf } from '../types.js';

/**
 * Which fields of one event type are one subject's personal data, and whose: `subject(data)` names the
 * subject (an id such as an account or customer id: a pseudonym, never personal data itself, since erasure
 * records keep it so that projections can scrub their rows), `fields` the top-level keys of `data` stored
 * encrypted with that subject's key.
 */
export interface PersonalDataEntry<D> {
  readonly subject: (data: D) => string;
  readonly fields: readonly (keyof D & string)[];
}

/**
 * Per event type, its personal data: one entry, or several when an event names several subjects (a transfer
 * between two customers), each with its own subject and fields.
 */
export type PersonalDataMap<E extends EventShape> = {
  readonly [T in EventType<E>]?: PersonalDataEntry<PayloadOf<E, T>> | readonly PersonalDataEntry<PayloadOf<E, T>>[];
};

/** A 32-byte AES-256 key: base64 text (44 characters, e.g. `openssl rand -base64 32`) or bytes. */
export type KeyMaterial = string | Uint8Array;

/**
 * A key ring: `current` wraps every new key; `previous` keys only unwrap what they wrapped, until
 * `store.rewrapKeys()` has moved everything to `current`. Ids are short names you choose (`2026-12`), stored
 * beside each wrapped key.
 */
export interface KeyRing {
  readonly current: { readonly id: string; readonly key: KeyMaterial };
  readonly previous?: readonly { readonly id: string; readonly key: KeyMaterial }[];
}

/**
 * The store key: one key (its id is `default`), a {@link KeyRing} for rotation, or a function that returns
 * either (a KMS or secret manager call); the function is called once, on the first operation that needs the
 * key, and its answer kept for the store's life (a failed call is retried by the next operation).
 */
export type EncryptionKeyOption = KeyMaterial | KeyRing | (() => Promise<KeyMaterial | KeyRing>);

/** Options of a store that keeps personal data encrypted. */
export interface PersonalDataOptions<E extends EventShape> {
  /** Fields stored encrypted per event type; needs `encryptionKey`. */
  readonly personalData?: PersonalDataMap<E>;
  /** The store key that wraps the subjects' keys and the tag secret. Required with `personalData`. */
  readonly encryptionKey?: EncryptionKeyOption;
  /**
   * How long appends of this process may reuse a subject's data key they fetched (only keys committed outside a
   * caller's transaction), instead of fetching it again: one round trip less per append. An append still never
   * lands for a subject erased before it ran: its statement checks the subjects it encrypted for
   * (`SUBJECT_ERASED`). The price: for that long after another process erased the subject, this process still
   * holds the destroyed key in memory. Reads never use it. An erasure made by this store clears its entry.
   * @defaultValue 60000 (0: every append fetches its subjects' keys)
   */
  readonly subjectKeyCacheMs?: number;
}
