import type { SettledCheckpoint } from '@tally/eventstore';
import { sql, type Kysely } from 'kysely';

/** True when an event that `snapshot` sees is still after `checkpoint` (a follower has not applied it yet). */
export async function behindSnapshot<DB>(db: Kysely<DB>, schema: string, checkpoint: SettledCheckpoint, snapshot: string): Promise<boolean> {
  const { rows } = await sql<{ behind: boolean }>`
    SELECT EXISTS (SELECT 1 FROM ${sql.id(schema, 'events')} e
                    WHERE (e.transaction_id, e.position) > (${checkpoint.transactionId.toString()}::xid8, ${checkpoint.position.toString()}::bigint)
                      AND pg_visible_in_snapshot(e.transaction_id, ${snapshot}::pg_snapshot)) AS behind`.execute(db);
  return rows[0]!.behind;
}
