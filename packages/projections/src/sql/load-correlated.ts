import type { EventStoreTables } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';
import { consoleEventColumns, toConsoleEvent, type ConsoleEvent } from './console-event.js';

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
    .select(consoleEventColumns)
    .where('position', '>=', (low < 1n ? 1n : low).toString())
    .where('position', '<=', (position + BigInt(window)).toString())
    .where(sql<boolean>`metadata @> ${JSON.stringify({ correlationId })}::jsonb`)
    .orderBy('position')
    .limit(limit)
    .execute();
  return rows.map(toConsoleEvent);
}
