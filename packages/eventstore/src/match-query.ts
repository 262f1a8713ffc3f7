import type { EventShape, QueryItem, StoredEvent } from './types.js';

/** JSONB containment (`left @> right`) as PostgreSQL defines it, on parsed JSON values. */
export function jsonContains(left: unknown, right: unknown): boolean {
  if (Array.isArray(right)) {
    if (!Array.isArray(left)) return false;
    return right.every((r) => left.some((l) => jsonContains(l, r)));
  }
  if (right !== null && typeof right === 'object') {
    if (left === null || typeof left !== 'object' || Array.isArray(left)) return false;
    const l = left as Record<string, unknown>;
    return Object.entries(right as Record<string, unknown>).every(([key, value]) => value === undefined || (key in l && jsonContains(l[key], value)));
  }
  return left === right;
}

/** Whether a stored event matches a query (items OR'ed, criteria AND'ed), as the store's SQL filter does. */
export function matchesQuery<E extends EventShape>(event: StoredEvent<E>, query: readonly QueryItem<E>[]): boolean {
  if (query.length === 0) return true;
  return query.some(
    (item) =>
      (item.types === undefined || item.types.includes(event.type)) &&
      (item.tags === undefined || item.tags.every((tag) => event.tags.includes(tag))) &&
      (item.data === undefined || jsonContains(event.data, item.data)),
  );
}
