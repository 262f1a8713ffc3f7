import type { EventStoreTables } from '@tally/eventstore';
import type { Kysely } from 'kysely';
import { consoleEventColumns, toConsoleEvent, type ConsoleEvent } from './console-event.js';

/** The event at `position` (primary key), or undefined. */
export async function loadEvent(db: Kysely<EventStoreTables>, position: bigint): Promise<ConsoleEvent | undefined> {
  const row = await db.selectFrom('events').select(consoleEventColumns).where('position', '=', position.toString()).executeTakeFirst();
  return row && toConsoleEvent(row);
}
