import { createHash } from 'node:crypto';
import type { PreparedEvent } from './validation.js';

/**
 * Advisory-lock keys for one append. Every writer takes shared locks on keys derived from the events it
 * writes; a conditional append also takes exclusive locks on keys derived from its condition query, such
 * that **any event that can match the query shares at least one key with it**:
 *
 * | condition item     | exclusive key     | why it covers every match                           |
 * | ------------------ | ----------------- | --------------------------------------------------- |
 * | has `tags`         | `tag:<first tag>` | a match carries all of the item's tags              |
 * | `types`, no tags   | `type:<t>` each   | a match has one of the item's types                 |
 * | only `data`        | `any`             | every writer holds `any` in shared mode             |
 *
 * Payload criteria never add keys: they narrow the check, not the lock (a data-only condition on one type
 * serialises appends of that type; tag the events of a hot consistency boundary).
 *
 * A batch with more than `maxFineLocks` distinct keys (bulk import) takes `bulk` exclusively instead of its
 * tag keys, and every condition holds `bulk` in shared mode, so the lock table stays bounded.
 *
 * All keys are taken in one sorted order, which rules out deadlocks between appends.
 */
export interface LockPlan {
  /** Signed 64-bit keys as decimal strings, ascending. */
  readonly keys: string[];
  /** `exclusive[i]` says how `keys[i]` is taken. */
  readonly exclusive: boolean[];
}

export interface ConditionItemShape {
  readonly types?: readonly string[] | undefined;
  readonly tags?: readonly string[] | undefined;
}

export function planLocks(
  namespace: string,
  events: readonly PreparedEvent[],
  condition: readonly ConditionItemShape[] | undefined,
  maxFineLocks: number,
): LockPlan {
  const modes = new Map<string, boolean>();
  const take = (key: string, exclusive: boolean) => {
    if (exclusive || !modes.has(key)) modes.set(key, exclusive || modes.get(key) === true);
  };

  const typeKeys = new Set<string>();
  const tagKeys = new Set<string>();
  for (const event of events) {
    typeKeys.add(`type:${event.type}`);
    for (const tag of event.tags) tagKeys.add(`tag:${tag}`);
  }
  take('any', false);
  for (const key of typeKeys) take(key, false);
  if (typeKeys.size + tagKeys.size > maxFineLocks) {
    take('bulk', true);
  } else {
    for (const key of tagKeys) take(key, false);
  }

  if (condition) {
    take('bulk', false);
    for (const item of condition) {
      if (item.tags && item.tags.length > 0) {
        take(`tag:${[...item.tags].sort()[0]}`, true);
      } else if (item.types && item.types.length > 0) {
        for (const type of item.types) take(`type:${type}`, true);
      } else {
        take('any', true);
      }
    }
  }

  const hashed = new Map<bigint, boolean>();
  for (const [key, exclusive] of modes) {
    const hash = lockHash(namespace, key);
    hashed.set(hash, exclusive || hashed.get(hash) === true);
  }
  const sorted = [...hashed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { keys: sorted.map(([k]) => k.toString()), exclusive: sorted.map(([, x]) => x) };
}

/** A signed 64-bit advisory-lock key for `key` within `namespace` (the store's schema). */
export function lockHash(namespace: string, key: string): bigint {
  const cacheKey = `${namespace}\u0000${key}`;
  let hash = hashCache.get(cacheKey);
  if (hash === undefined) {
    hash = createHash('sha1').update(namespace).update('\u0000').update(key).digest().readBigInt64BE(0);
    // Hot keys (`any`, `bulk`, types, busy tags) recur on every append; a SHA-1 per key per append showed in
    // profiles. Bounded by starting over rather than by LRU bookkeeping: a refill costs one hash per key.
    if (hashCache.size >= maxCachedHashes) hashCache.clear();
    hashCache.set(cacheKey, hash);
  }
  return hash;
}

const maxCachedHashes = 10_000;
const hashCache = new Map<string, bigint>();
