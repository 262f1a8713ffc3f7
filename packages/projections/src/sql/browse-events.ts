import type { EventStoreTables } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import { consoleEventColumns, toConsoleEvent, type ConsoleEvent } from './console-event.js';

/** What the event browser filters by: types (any of), a tag, and one bound of the page (keyset on position). */
export interface EventFilter {
  readonly types: readonly string[];
  readonly tag: string | null;
}

/** One page of the browser, in ascending position, and whether more match on either side of it. */
export interface EventPage {
  readonly events: ConsoleEvent[];
  /** Matching events exist below the page's first position. */
  readonly older: boolean;
  /** Matching events exist above the page's last position. */
  readonly newer: boolean;
}

type EventsDb = Kysely<EventStoreTables>;

/**
 * The events matching `filter` (every value bound), as a keyset page: `after` → the `limit` first above it;
 * `before` → the `limit` last below it; neither → the newest `limit`. Never OFFSET: a page costs the same deep in
 * a large store as at its head. With a tag the tags GIN finds the tag's events (the type is then checked on them
 * only); without, the `(type, position)` btree or the primary key walks in position order.
 */
export async function browseEvents(
  db: EventsDb,
  filter: EventFilter,
  page: { readonly after?: bigint; readonly before?: bigint; readonly limit: number },
): Promise<EventPage> {
  const matching = () => {
    let q = db.selectFrom('events');
    if (filter.tag !== null) q = q.where(sql<boolean>`tags @> ARRAY[${filter.tag}]::text[]`);
    if (filter.types.length > 0) {
      const type = filter.tag === null ? sql.ref('type') : sql`(type || '')`;
      q = q.where(sql<boolean>`${type} = ANY(${[...filter.types]}::text[])`);
    }
    return q;
  };
  const ascending = page.after !== undefined;
  let q = matching().select(consoleEventColumns);
  if (page.after !== undefined) q = q.where('position', '>', page.after.toString());
  if (page.before !== undefined) q = q.where('position', '<', page.before.toString());
  const rows = await q
    .orderBy('position', ascending ? 'asc' : 'desc')
    .limit(page.limit + 1)
    .execute();
  const more = rows.length > page.limit;
  const events = rows.slice(0, page.limit).map(toConsoleEvent);
  if (!ascending) events.reverse();
  const first = events[0]?.position;
  const last = events.at(-1)?.position;
  // The far side of the page: one indexed probe for a matching event past it.
  const exists = async (op: '<' | '>', bound: string | bigint | undefined) => {
    if (bound === undefined) return false;
    const row = await matching().select('position').where('position', op, bound.toString()).limit(1).executeTakeFirst();
    return row !== undefined;
  };
  if (ascending) return { events, newer: more, older: await exists('<', first ?? page.after! + 1n) };
  return { events, older: more, newer: await exists('>', last ?? (page.before === undefined ? undefined : page.before - 1n)) };
}
