import type { QueryItemShape } from './query-filter.js';
import { jsonbContains } from './jsonb-contains.js';

/** What a query item is matched against: the stored form of an event. */
export interface Matchable {
  readonly type: string;
  readonly tags: readonly string[];
  /** The payload as jsonb keeps it. */
  readonly data: unknown;
}

/** A query item ready to be matched many times. */
interface CompiledItem {
  readonly types: ReadonlySet<string> | undefined;
  readonly tags: readonly string[] | undefined;
  readonly data: unknown;
}

/** A checked query, compiled; `undefined` matches every event (no query, or an empty one). */
export type CompiledQuery = readonly CompiledItem[] | undefined;

/** Compiles a query that `validateQuery` accepted. */
export function compileQuery(query: readonly QueryItemShape[] | undefined): CompiledQuery {
  if (query === undefined || query.length === 0) return undefined;
  return query.map((item) => ({
    types: item.types === undefined ? undefined : new Set(item.types),
    tags: item.tags === undefined ? undefined : [...item.tags],
    // As the store sends it to PostgreSQL: JSON text, in which undefined properties do not exist.
    data: item.data === undefined ? undefined : (JSON.parse(JSON.stringify(item.data)) as unknown),
  }));
}

/**
 * Whether an event matches a query, as the PostgreSQL store's WHERE clause decides it: items OR'ed; inside an
 * item the type is one of `types`, the event carries every tag of `tags`, and its payload contains `data` (`@>`).
 */
export function matchesCompiled(event: Matchable, query: CompiledQuery): boolean {
  if (query === undefined) return true;
  return query.some(
    (item) =>
      (item.types === undefined || item.types.has(event.type)) &&
      (item.tags === undefined || item.tags.every((tag) => event.tags.includes(tag))) &&
      (item.data === undefined || jsonbContains(event.data, item.data)),
  );
}
