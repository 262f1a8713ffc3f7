import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { EventStoreTables } from './schema/tables.js';

export interface QueryItemShape {
  readonly types?: readonly string[] | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly data?: unknown;
}

/**
 * The WHERE condition of a query: items OR'ed, criteria AND'ed inside an item. Each criterion is one an
 * index serves: `type` (btree), `tags @> …` (GIN), `data @> …` (GIN, jsonb_path_ops).
 */
export function matchQuery(
  eb: ExpressionBuilder<EventStoreTables, 'events'>,
  query: readonly QueryItemShape[],
): Expression<SqlBool> {
  return eb.or(
    query.map((item) => {
      const criteria: Expression<SqlBool>[] = [];
      if (item.types) criteria.push(eb('events.type', '=', sql<string>`ANY(${[...item.types]}::text[])`));
      if (item.tags) criteria.push(eb('events.tags', '@>', sql<string[]>`${[...item.tags]}::text[]`));
      if (item.data !== undefined) criteria.push(sql<SqlBool>`${eb.ref('events.data')} @> ${JSON.stringify(item.data)}::jsonb`);
      return eb.and(criteria);
    }),
  );
}

/**
 * The same condition as {@link matchQuery}, as SQL text for a statement the store builds itself (the hot
 * `read()`, kept prepared per query shape). `param` binds a value and returns its placeholder.
 */
export function matchQueryText(query: readonly QueryItemShape[], param: (value: unknown) => string): string {
  const items = query.map((item) => {
    const criteria: string[] = [];
    if (item.types) criteria.push(`"events"."type" = ANY(${param([...item.types])}::text[])`);
    if (item.tags) criteria.push(`"events"."tags" @> ${param([...item.tags])}::text[]`);
    if (item.data !== undefined) criteria.push(`"events"."data" @> ${param(JSON.stringify(item.data))}::jsonb`);
    return `(${criteria.join(' AND ')})`;
  });
  return items.length === 1 ? items[0]! : `(${items.join(' OR ')})`;
}
