import { stableKey } from './stable-key.js';

/**
 * The in-process key of a query, for lanes: equal for equal queries whatever their items' key order, different
 * for different ones, and cheap, as every `handle` computes it. Each item's `types`, `tags` and `data` are
 * written in that fixed order as JSON values (self-delimiting, so the concatenation cannot be ambiguous); only
 * `data` needs its keys sorted. Never stored: a snapshot's key is `snapshotKey` (a hash of `stableKey`). A value
 * that is not a query at all (the store refuses it) is keyed by `stableKey`.
 */
export function laneKey(query: unknown): string {
  if (!Array.isArray(query)) return `?${stableKey(query)}`;
  let key = '';
  for (const item of query as unknown[]) {
    if (typeof item !== 'object' || item === null) return `?${stableKey(query)}`;
    const { types, tags, data } = item as { types?: unknown; tags?: unknown; data?: unknown };
    key += `${JSON.stringify(types ?? null)}|${JSON.stringify(tags ?? null)}|${data === undefined ? '-' : stableKey(data)};`;
  }
  return key;
}
