import { compileQuery, matchesCompiled } from './compiled-query.js';
import { jsonbContains } from './jsonb-contains.js';
import type { EventShape, QueryItem, StoredEvent } from './types.js';

/** JSONB containment (`left @> right`) as PostgreSQL defines it, on parsed JSON values. */
export const jsonContains: (left: unknown, right: unknown) => boolean = jsonbContains;

/** Whether a stored event matches a query (items OR'ed, criteria AND'ed), as the store's SQL filter decides it. */
export function matchesQuery<E extends EventShape>(event: StoredEvent<E>, query: readonly QueryItem<E>[]): boolean {
  return matchesCompiled(event, compileQuery(query));
}
