import type { EventStoreTables } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import { consoleEventColumns, toConsoleEvent, type ConsoleEvent } from './console-event.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The event whose id is `id` (its unique index), or undefined (also when `id` is not a uuid, as a causationId may not be). */
export async function loadEventById(db: Kysely<EventStoreTables>, id: string): Promise<ConsoleEvent | undefined> {
  if (!uuid.test(id)) return undefined;
  const row = await db.selectFrom('events').select(consoleEventColumns).where('id', '=', id).executeTakeFirst();
  return row && toConsoleEvent(row);
}
