import { BoundedMap } from './bounded-map.js';

/**
 * Subject data keys that appends may reuse for `ms` milliseconds (`subjectKeyCacheMs`), by subject hash. Safe
 * because every append of personal data checks in its own statement that none of its subjects is erased: a
 * key reused after another process's erasure gets the append refused, never stored.
 */
export class AppendKeyCache {
  readonly #keys: BoundedMap<string, { readonly key: Buffer; readonly until: number }>;

  constructor(
    readonly ms: number,
    limit: number,
  ) {
    this.#keys = new BoundedMap(limit);
  }

  /** The fresh cached key of `hash`, if any, at `now`. */
  get(hash: string, now: number): Buffer | undefined {
    const cached = this.ms === 0 ? undefined : this.#keys.get(hash);
    return cached !== undefined && cached.until > now ? cached.key : undefined;
  }

  /** Keeps `key` (committed: never one made in a caller's transaction, which may still roll back) from `now`. */
  keep(hash: string, key: Buffer, now: number): void {
    if (this.ms > 0) this.#keys.set(hash, { key, until: now + this.ms });
  }

  forget(hash: string): void {
    this.#keys.delete(hash);
  }
}
