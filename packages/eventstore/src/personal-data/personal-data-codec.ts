import { randomBytes } from 'node:crypto';
import { EncryptionKeyError } from '../encryption-errors.js';
import { ConfigurationError, InvalidEventError } from '../errors.js';
import type { EncodingEvent, MaybePromise } from '../codec/codec-types.js';
import type { EventShape } from '../types.js';
import { hmac, open, seal } from './aead.js';
import { erased } from './erased.js';
import { encryptEvents, type SubjectRef } from './encrypt-events.js';
import { decryptField, envelopeSubject } from './field-cipher.js';
import { AppendKeyCache } from './append-key-cache.js';
import { BoundedMap } from './bounded-map.js';
import { StoreKey, type ResolvedKeyRing } from './key-ring.js';
import type { KeyVault, SubjectKeyRow, Wrapped } from './key-vault.js';
import type { PersonalDataEntry, PersonalDataOptions } from './personal-data-options.js';

/** An event as the codec sees it: an id (for the envelope's binding), a type and its data. */
interface CodecEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
}
type Entry = PersonalDataEntry<Record<string, unknown>>;

/** How many entries each cache of the codec keeps (unwrapped keys, subject hashes, append keys). */
const KEPT = 10_000;
const subjectKeyAad = (hash: string) => Buffer.from(`tally:subject-key:v1:${hash}`, 'utf8');
const secretAad = Buffer.from('tally:tag-secret:v1', 'utf8');

/**
 * Crypto-shredding for one store: encrypts the personal fields of appended events with their subjects' keys,
 * decrypts them on reads (or gives {@link erased} once a subject's key is destroyed), and computes subject
 * hashes and keyed tags with the store's tag secret. Reads keep plaintext data keys only by their wrapped bytes,
 * which every read fetches anew from the vault: another process's erasure takes effect on the next read. Appends
 * reuse a subject's key for `subjectKeyCacheMs` (see `AppendKeyCache`): their statement refuses an erased subject.
 */
export class PersonalDataCodec {
  readonly #entries: ReadonlyMap<string, readonly Entry[]>;
  readonly #key: StoreKey;
  #secret: Promise<Buffer> | undefined;
  /** The tag secret once `#secret` resolved: appends then compute hashes without an await. */
  #secretKept: Buffer | undefined;
  /** Subject hashes under `#secretKept`, by subject id (the same bound as unwrapped keys). */
  readonly #subjectHashes = new BoundedMap<string, SubjectRef>(KEPT);
  readonly #unwrapped = new BoundedMap<string, Buffer>(KEPT);
  readonly #appendKeys: AppendKeyCache;

  /** @throws {ConfigurationError} for a malformed `personalData` or no `encryptionKey` */
  constructor(options: PersonalDataOptions<EventShape>) {
    const entries = new Map<string, readonly Entry[]>();
    for (const [type, value] of Object.entries(options.personalData ?? {})) {
      const list = (Array.isArray(value) ? value : [value]) as readonly Entry[];
      list.forEach((entry, i) => {
        if (typeof entry?.subject !== 'function' || !Array.isArray(entry.fields) || entry.fields.some((f) => typeof f !== 'string' || f === '')) {
          throw new ConfigurationError(`personalData.${type}[${i}] needs subject: (data) => string and fields: a list of data keys`);
        }
      });
      if (list.length > 0) entries.set(type, list);
    }
    if (options.encryptionKey === undefined) {
      throw new ConfigurationError('personalData needs encryptionKey: personal data is never stored unencrypted');
    }
    const cacheMs = options.subjectKeyCacheMs ?? 60_000;
    if (!Number.isSafeInteger(cacheMs) || cacheMs < 0) throw new ConfigurationError('subjectKeyCacheMs must be a non-negative integer number of milliseconds');
    this.#entries = entries;
    this.#key = new StoreKey(options.encryptionKey);
    this.#appendKeys = new AppendKeyCache(cacheMs, KEPT);
  }

  /** Whether any event type carries personal data. */
  get hasEntries(): boolean {
    return this.#entries.size > 0;
  }

  /** Whether events of `type` carry personal data. */
  covers(type: string): boolean {
    return this.#entries.has(type);
  }

  /** The keyed hash (base64url) a subject is known by in the vault and in envelopes. */
  async subjectHash(vault: KeyVault, subject: string): Promise<string> {
    return this.#subjectRef(this.#secretKept ?? (await this.#tagSecret(vault)), subject).hash;
  }

  /** The subject's keyed hash under `secret`; kept (bounded) when `secret` is the store's committed one. */
  #subjectRef(secret: Buffer, subject: string): SubjectRef {
    const kept = secret === this.#secretKept;
    let ref = kept ? this.#subjectHashes.get(subject) : undefined;
    if (ref === undefined) {
      const bytes = hmac(secret, 'subject', subject);
      ref = { hash: bytes.toString('base64url'), hex: bytes.toString('hex') };
      if (kept) this.#subjectHashes.set(subject, ref);
    }
    return ref;
  }

  /** `${prefix}:<keyed hash of value>`: stable for the store's life (rotation rewraps the secret, never changes it). */
  async keyedTag(vault: KeyVault, prefix: string, value: string): Promise<string> {
    return `${prefix}:${hmac(await this.#tagSecret(vault), 'tag', prefix, value).toString('base64url')}`;
  }

  /**
   * The events with their personal fields replaced by envelopes, keys fetched or created in `vault()` (made
   * only when the tag secret or a key is not at hand: a vault per append is measurable on the hot path). With
   * the secret and every key at hand, the common case, it answers at once: no promise, no await.
   * @throws {SubjectErasedError} when an event names an erased subject
   * @throws {InvalidEventError} INVALID_EVENT_DATA when `subject(data)` gives no non-empty string
   */
  encode(vault: () => KeyVault, events: readonly EncodingEvent[]): MaybePromise<readonly EncodingEvent[]> {
    if (!events.some((event) => this.#entries.has(event.type))) return events;
    const secret = this.#secretKept;
    if (secret === undefined) return this.#tagSecret(vault()).then((fetched) => this.#encodeWith(vault, fetched, events));
    return this.#encodeWith(vault, secret, events);
  }

  #encodeWith(vault: () => KeyVault, secret: Buffer, events: readonly EncodingEvent[]): MaybePromise<EncodingEvent[]> {
    // Plain loops, no closure, map or set per append: this runs on the append's hot path. `keys` holds the data
    // key of each (event, entry) in the order `encryptEvents` walks them.
    const subjects: (SubjectRef[] | undefined)[] = [];
    const keys: (Buffer | undefined)[] = [];
    const now = Date.now();
    let missing: string[] | undefined;
    for (let index = 0; index < events.length; index++) {
      const entries = this.#entries.get(events[index]!.type);
      const refs = entries === undefined ? undefined : this.#subjectsOf(secret, entries, events[index]!, index);
      subjects.push(refs);
      for (const { hash } of refs ?? []) {
        const key = this.#appendKeys.get(hash, now);
        keys.push(key);
        if (key === undefined && !missing?.includes(hash)) (missing ??= []).push(hash);
      }
    }
    if (missing === undefined) return encryptEvents(this.#entries, events, subjects, keys);
    const wanted = missing;
    return this.#key
      .ring()
      .then((ring) => this.#fetchAppendKeys(vault(), ring, wanted, now))
      .then((fetched) => {
        let k = 0;
        for (const refs of subjects) {
          for (const { hash } of refs ?? []) {
            if (fetched.has(hash)) keys[k] = fetched.get(hash);
            k++;
          }
        }
        return encryptEvents(this.#entries, events, subjects, keys);
      });
  }

  /** The subjects of one event's entries. @throws {InvalidEventError} INVALID_EVENT_DATA */
  #subjectsOf(secret: Buffer, entries: readonly Entry[], event: EncodingEvent, index: number): SubjectRef[] {
    const refs: SubjectRef[] = [];
    for (let e = 0; e < entries.length; e++) {
      let subject: unknown;
      try {
        subject = entries[e]!.subject(event.data as Record<string, unknown>);
      } catch (error) {
        throw new InvalidEventError('INVALID_EVENT_DATA', `personalData.${event.type}[${e}].subject threw for event ${index}`, index, 'data', { cause: error });
      }
      if (typeof subject !== 'string' || subject === '') {
        throw new InvalidEventError('INVALID_EVENT_DATA', `personalData.${event.type}[${e}].subject must return a non-empty string for event ${index}`, index, 'data');
      }
      refs.push(this.#subjectRef(secret, subject));
    }
    return refs;
  }

  /**
   * The events with their envelopes decrypted, or {@link erased} where the subject's key is destroyed: one
   * vault query for the page when it has envelopes, none otherwise.
   * @throws {EncryptionKeyError} UNKNOWN_ENCRYPTION_KEY, DECRYPTION_FAILED
   */
  async decode<T extends CodecEvent>(vault: () => KeyVault, events: readonly T[]): Promise<T[]> {
    const wanted = new Set<string>();
    for (const event of events) {
      for (const entry of this.#entries.get(event.type) ?? []) {
        for (const field of entry.fields) {
          const hash = envelopeSubject((event.data as Record<string, unknown> | null)?.[field]);
          if (hash !== undefined) wanted.add(hash);
        }
      }
    }
    if (wanted.size === 0) return [...events];
    const [rows, ring] = await Promise.all([vault().fetch([...wanted]), this.#key.ring()]);
    const keys = new Map(rows.map((row) => [row.hash, row.erased ? undefined : this.#unwrap(ring, row)]));
    return events.map((event) => {
      const entries = this.#entries.get(event.type);
      if (!entries) return event;
      const data = { ...(event.data as Record<string, unknown>) };
      for (const field of new Set(entries.flatMap((entry) => entry.fields))) {
        const value = data[field];
        const hash = envelopeSubject(value);
        if (hash === undefined) continue;
        if (!keys.has(hash)) throw new EncryptionKeyError('DECRYPTION_FAILED', `event ${event.id}: no key is stored for the subject of data.${field}`);
        const dataKey = keys.get(hash);
        if (dataKey === undefined) {
          data[field] = erased;
          continue;
        }
        const opened = decryptField(dataKey, value as string, { eventId: event.id, type: event.type, field });
        if (opened === 'failed') throw new EncryptionKeyError('DECRYPTION_FAILED', `event ${event.id}: data.${field} does not authenticate under its subject's key`);
        data[field] = opened.value;
      }
      return { ...event, data };
    });
  }

  /** Forgets the append key of a subject this store erased. */
  forgetAppendKey(hash: string): void {
    this.#appendKeys.forget(hash);
  }

  /** The data keys of `missing` (undefined: erased) from the vault, made there when new. */
  async #fetchAppendKeys(vault: KeyVault, ring: ResolvedKeyRing, missing: readonly string[], now: number): Promise<Map<string, Buffer | undefined>> {
    const rows = await vault.getOrCreate(missing, (hash) => ({ keyId: ring.currentId, wrapped: seal(ring.current, randomBytes(32), subjectKeyAad(hash)) }));
    const keys = new Map<string, Buffer | undefined>();
    for (const row of rows) {
      const key = row.erased ? undefined : this.#unwrap(ring, row);
      keys.set(row.hash, key);
      // Only a key committed at once: one created in a caller's transaction may still roll back.
      if (key !== undefined && vault.autocommit) this.#appendKeys.keep(row.hash, key, now);
    }
    return keys;
  }

  /** The store key ring (resolving a provider on first use). */
  ring(): Promise<ResolvedKeyRing> {
    return this.#key.ring();
  }

  /** A key wrapped under the ring's current key, for `rewrapKeys`. @throws {EncryptionKeyError} */
  rewrapped(ring: ResolvedKeyRing, entry: Wrapped & { readonly kind: 'subject' | 'secret'; readonly name: string }): Wrapped {
    const aad = entry.kind === 'secret' ? secretAad : subjectKeyAad(entry.name);
    return { keyId: ring.currentId, wrapped: seal(ring.current, this.#open(ring, entry, aad), aad) };
  }

  #unwrap(ring: ResolvedKeyRing, row: SubjectKeyRow): Buffer {
    const cacheKey = `${row.keyId}:${row.wrapped!.toString('base64')}`;
    let key = this.#unwrapped.get(cacheKey);
    if (key === undefined) {
      key = this.#open(ring, { keyId: row.keyId!, wrapped: row.wrapped! }, subjectKeyAad(row.hash));
      this.#unwrapped.set(cacheKey, key);
    }
    return key;
  }

  #open(ring: ResolvedKeyRing, wrapped: Wrapped, aad: Buffer): Buffer {
    const storeKey = ring.byId.get(wrapped.keyId);
    if (storeKey === undefined) {
      throw new EncryptionKeyError(
        'UNKNOWN_ENCRYPTION_KEY',
        `a key is wrapped under store key "${wrapped.keyId}", which the encryptionKey ring does not hold: add it to previous`,
        wrapped.keyId,
      );
    }
    const plain = open(storeKey, wrapped.wrapped, aad);
    if (plain === undefined) {
      throw new EncryptionKeyError('DECRYPTION_FAILED', `a key wrapped under store key "${wrapped.keyId}" does not unwrap with the key given under that id`, wrapped.keyId);
    }
    return plain;
  }

  /**
   * The tag secret. Kept once read or created on a vault that commits at once; read again while only vaults
   * inside callers' transactions have seen it (one of them may have created it and may still roll back).
   */
  #tagSecret(vault: KeyVault): Promise<Buffer> {
    if (this.#secret) return this.#secret;
    const secret = this.#key.ring().then(async (ring) => {
      const stored = await vault.secret(() => ({ keyId: ring.currentId, wrapped: seal(ring.current, randomBytes(32), secretAad) }));
      return this.#open(ring, stored, secretAad);
    });
    if (vault.autocommit) {
      this.#secret = secret;
      secret.then(
        (value) => {
          if (this.#secret === secret) this.#secretKept = value;
        },
        () => {
          if (this.#secret === secret) this.#secret = undefined;
        },
      );
    }
    return secret;
  }
}
