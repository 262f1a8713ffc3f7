import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import { EncryptionKeyError, SubjectErasedError } from '../encryption-errors.js';
import { ConfigurationError, InvalidEventError } from '../errors.js';
import type { EventShape } from '../types.js';
import { hmac, open, seal } from './aead.js';
import { erased } from './erased.js';
import { decryptField, encryptField, envelopeSubject } from './field-cipher.js';
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
/** An event to append: its id when the caller chose one. */
type AppendingEvent = Omit<CodecEvent, 'id'> & { readonly id?: string | undefined };
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
  readonly #subjectHashes = new BoundedMap<string, string>(KEPT);
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
    return this.#subjectHashWith(this.#secretKept ?? (await this.#tagSecret(vault)), subject);
  }

  /** The subject's keyed hash under `secret`; kept (bounded) when `secret` is the store's committed one. */
  #subjectHashWith(secret: Buffer, subject: string): string {
    const kept = secret === this.#secretKept;
    let hash = kept ? this.#subjectHashes.get(subject) : undefined;
    if (hash === undefined) {
      hash = hmac(secret, 'subject', subject).toString('base64url');
      if (kept) this.#subjectHashes.set(subject, hash);
    }
    return hash;
  }

  /** `${prefix}:<keyed hash of value>`: stable for the store's life (rotation rewraps the secret, never changes it). */
  async keyedTag(vault: KeyVault, prefix: string, value: string): Promise<string> {
    return `${prefix}:${hmac(await this.#tagSecret(vault), 'tag', prefix, value).toString('base64url')}`;
  }

  /**
   * The events with their personal fields replaced by envelopes, keys fetched or created in `vault()`: called
   * only when the tag secret or a key is not at hand (making a vault per append is measurable on the hot path).
   * @throws {SubjectErasedError} when an event names an erased subject
   * @throws {InvalidEventError} INVALID_EVENT_DATA when `subject(data)` gives no non-empty string
   */
  async encode<T extends AppendingEvent>(vault: () => KeyVault, events: readonly T[]): Promise<T[]> {
    if (!events.some((event) => this.#entries.has(event.type))) return [...events];
    const secret = this.#secretKept ?? (await this.#tagSecret(vault()));
    // Plain loops, no closure per event: this runs once per append, on its hot path.
    const subjects: (string[] | undefined)[] = [];
    for (let index = 0; index < events.length; index++) {
      const entries = this.#entries.get(events[index]!.type);
      subjects.push(entries === undefined ? undefined : this.#subjectsOf(secret, entries, events[index]!, index));
    }
    const unique = subjects.length === 1 && subjects[0]!.length === 1 ? subjects[0]! : [...new Set(subjects.flatMap((hashes) => hashes ?? []))];
    // The common case: every key cached, no await.
    const now = Date.now();
    const { keys, missing } = this.#appendKeys.lookup(unique, now);
    if (missing.length > 0) await this.#fetchAppendKeys(vault(), await this.#key.ring(), missing, keys, now);
    const encoded: T[] = [];
    for (let index = 0; index < events.length; index++) {
      const event = events[index]!;
      const entries = this.#entries.get(event.type);
      const hashes = subjects[index];
      if (entries === undefined || hashes === undefined) {
        encoded.push(event);
        continue;
      }
      // The envelope is bound to the event's id: the caller's, or one made here (then no retry can repeat it).
      const eventId = event.id ?? uuidv7();
      const nonce = event.id === undefined ? 'random' : 'synthetic';
      const data = { ...(event.data as Record<string, unknown>) };
      for (let e = 0; e < entries.length; e++) {
        const dataKey = keys.get(hashes[e]!);
        if (dataKey === undefined) throw new SubjectErasedError(index);
        for (const field of entries[e]!.fields) {
          if (data[field] !== undefined) data[field] = encryptField(dataKey, hashes[e]!, { eventId, type: event.type, field }, data[field], nonce);
        }
      }
      // Object.assign, not a spread with new keys: V8 builds that one on a slow path (~1.7 µs against ~0.15).
      encoded.push(Object.assign({}, event, { id: eventId, data, subjects: hashes }));
    }
    return encoded;
  }

  /** The subject hashes of one event's entries. @throws {InvalidEventError} INVALID_EVENT_DATA */
  #subjectsOf(secret: Buffer, entries: readonly Entry[], event: AppendingEvent, index: number): string[] {
    const hashes: string[] = [];
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
      hashes.push(this.#subjectHashWith(secret, subject));
    }
    return hashes;
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

  /** Adds to `keys` the data keys of `missing` (undefined: erased) from the vault, made there when new. */
  async #fetchAppendKeys(vault: KeyVault, ring: ResolvedKeyRing, missing: readonly string[], keys: Map<string, Buffer | undefined>, now: number): Promise<void> {
    const rows = await vault.getOrCreate(missing, (hash) => ({ keyId: ring.currentId, wrapped: seal(ring.current, randomBytes(32), subjectKeyAad(hash)) }));
    for (const row of rows) {
      const key = row.erased ? undefined : this.#unwrap(ring, row);
      keys.set(row.hash, key);
      // Only a key committed at once: one created in a caller's transaction may still roll back.
      if (key !== undefined && vault.autocommit) this.#appendKeys.keep(row.hash, key, now);
    }
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
