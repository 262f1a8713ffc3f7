import type { EventStoreTables } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import { toConsoleEvent, type ConsoleEvent } from './browse-events.js';

const columns = ['position', 'transaction_id', 'id', 'type', 'data', 'tags', 'metadata', 'occurred_at'] as const;

/** The event at `position` (primary key), or undefined. */
export async function loadEvent(db: Kysely<EventStoreTables>, position: bigint): Promise<ConsoleEvent | undefined> {
  const row = await db.selectFrom('events').select(columns).where('position', '=', position.toString()).executeTakeFirst();
  return row && toConsoleEvent(row);
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event whose id is `id` (its unique index), or undefined (also when `id` is not a uuid, as a causationId may not be). */
export async function loadEventById(db: Kysely<EventStoreTables>, id: string): Promise<ConsoleEvent | undefined> {
  if (!uuid.test(id)) return undefined;
  const row = await db.selectFrom('events').select(columns).where('id', '=', id).executeTakeFirst();
  return row && toConsoleEvent(row);
}

/**
 * Events within `window` positions of `position` whose metadata carries `correlationId` (a primary-key range:
 * the metadata has no index, so the search is bounded, and the console says how far it looked).
 */
export async function loadCorrelated(
  db: Kysely<EventStoreTables>,
  correlationId: string,
  position: bigint,
  window: number,
  limit: number,
): Promise<ConsoleEvent[]> {
  const low = position - BigInt(window);
  const rows = await db
    .selectFrom('events')
    .select(columns)
    .where('position', '>=', (low < 1n ? 1n : low).toString())
    .where('position', '<=', (position + BigInt(window)).toString())
    .where(sql<boolean>`metadata @> ${JSON.stringify({ correlationId })}::jsonb`)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map(toConsoleEvent);
}
