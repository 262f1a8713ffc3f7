/** What holding needs of an event: its position and tags. */
export interface Holdable {
  readonly position: bigint;
  readonly tags: readonly string[];
}

/**
 * Splits a batch (in order) into the events to handle and those to hold: an event is held when it shares a tag
 * with an open parked or held event (`open`, in order) or with an event held earlier in the batch, so that each
 * tag's events reach the read model in order. `heldBy` is the position of the event it waits behind.
 */
export function holdBack<T extends Holdable>(events: readonly T[], open: readonly Holdable[]): { handle: T[]; held: { event: T; heldBy: bigint }[] } {
  const blocked = new Map<string, bigint>();
  const block = (event: Holdable) => {
    for (const tag of event.tags) if (!blocked.has(tag)) blocked.set(tag, event.position);
  };
  for (const row of open) block(row);
  const handle: T[] = [];
  const held: { event: T; heldBy: bigint }[] = [];
  for (const event of events) {
    const tag = blocked.size === 0 ? undefined : event.tags.find((t) => blocked.has(t));
    if (tag === undefined) {
      handle.push(event);
      continue;
    }
    held.push({ event, heldBy: blocked.get(tag)! });
    block(event);
  }
  return { handle, held };
}
