/**
 * SQL of "the read behind a head did not see this event" (transaction id `x`, position `p`), for a head's snapshot
 * `snap`, its own transaction `own` and the last position `ownPosition` that transaction had written when it read:
 * an event of the head's own transaction was seen when it is at or below that position; any other, when its
 * transaction is visible in the snapshot. The arguments are SQL expressions (columns, variables or placeholders).
 * The one definition behind the condition check (`append_events`) and `read({ alsoUnseenBy })`.
 */
export function unseenByHead(x: string, p: string, snap: string, own: string, ownPosition: string): string {
  return `(CASE WHEN ${x} = ${own} THEN ${p} > ${ownPosition} ELSE NOT pg_visible_in_snapshot(${x}, ${snap}) END)`;
}
