/** A subject's key row: its wrapped data key, or none once erased. `hash` is base64url. */
export interface SubjectKeyRow {
  readonly hash: string;
  readonly keyId: string | null;
  readonly wrapped: Buffer | null;
  readonly erased: boolean;
}

/** A wrapped secret or data key, and the id of the store key that wrapped it. */
export interface Wrapped {
  readonly keyId: string;
  readonly wrapped: Buffer;
}

/** One recorded erasure, in the order erasures happened. */
export interface ErasureRecord {
  readonly sequence: bigint;
  readonly subject: string;
  readonly erasedAt: Date;
  readonly erasedBy: string | null;
}

/** A wrapped key that `rewrapKeys` moves to the current store key: `kind` says which table holds it. */
export interface WrappedEntry extends Wrapped {
  readonly kind: 'subject' | 'secret';
  /** The subject hash (base64url), or the secret's name. */
  readonly name: string;
}

/**
 * Where subject keys, the tag secret and erasure records live: the PostgreSQL tables of migration 0007 (on
 * the session's own connection, inside its transaction) or the memory store's maps. It stores only wrapped
 * keys; wrapping and unwrapping happen in `PersonalDataCodec`.
 */
export interface KeyVault {
  /**
   * Whether what this vault writes is committed at once (the store's own connections), rather than inside a
   * caller's transaction that may still roll back: only then may the codec keep the tag secret it created.
   */
  readonly autocommit: boolean;
  /** The rows of these subjects; rows missing are created from `create(hash)` (first writer wins). */
  getOrCreate(hashes: readonly string[], create: (hash: string) => Wrapped): Promise<SubjectKeyRow[]>;
  /** The rows of these subjects that exist (erased ones included). */
  fetch(hashes: readonly string[]): Promise<SubjectKeyRow[]>;
  /** The wrapped tag secret; created from `create()` when there is none (first writer wins). */
  secret(create: () => Wrapped): Promise<Wrapped>;
  /**
   * Destroys the subject's key (a tombstone when it had none, so later appends are refused) and records the
   * erasure; for a subject already erased, returns its first record with `alreadyErased`.
   */
  erase(hash: string, subject: string, erasedBy: string | null): Promise<ErasureRecord & { readonly alreadyErased: boolean }>;
  /** Erasures with `sequence > after`, oldest first, at most `limit`. */
  erasures(after: bigint, limit: number): Promise<ErasureRecord[]>;
  /** Up to `limit` wrapped keys not wrapped under `currentId`. */
  wrappedNotUnder(currentId: string, limit: number): Promise<WrappedEntry[]>;
  /** Replaces `entry`'s wrapping by `next` unless it changed meanwhile (erased, or rewrapped by another process). */
  rewrap(entry: WrappedEntry, next: Wrapped): Promise<void>;
}
