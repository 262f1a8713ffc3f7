import { createHash } from 'node:crypto';
import { InvalidQueryError, type DecisionSnapshot, type EventShape, type EventStore, type EventStoreSession, type Head, type Query, type StoredEvent } from '@tally/eventstore';
import type { Decision } from './decision.js';
import { fromSnapshotJson, toSnapshotJson } from './snapshot-json.js';
import { stableKey } from './stable-key.js';

/** A decision's state for a command, the head that guards what it saw, and the snapshot to save, if one is due. */
export interface ReadState<State> {
  readonly state: State;
  readonly head: Head;
  readonly snapshot: DecisionSnapshot | undefined;
}

const fold = <E extends EventShape, State>(evolve: (state: State, event: StoredEvent<E>) => State, state: State, events: readonly StoredEvent<E>[]) =>
  events.reduce<State>(evolve, state);

/** A snapshot that may serve the decision for this query (its version matches), loaded outside any transaction. */
export interface UsableSnapshot {
  readonly key: string;
  readonly saved: DecisionSnapshot | undefined;
}

/** The key of a decision's snapshots for a query. */
export function snapshotKey(query: readonly unknown[]): string {
  return createHash('sha256').update(stableKey(query)).digest('hex');
}

/**
 * Loads the decision's snapshot for `query`, if it takes snapshots. Called outside the decision's transaction: in
 * locked mode that transaction holds a connection and locks others wait for, so it must not need a second one.
 * A snapshot that cannot be loaded only costs a full read.
 */
export async function loadUsableSnapshot<E extends EventShape, Cmd, State>(
  store: EventStore<E>,
  decision: Decision<E, Cmd, State>,
  query: Query<E>,
): Promise<UsableSnapshot | undefined> {
  const settings = decision.snapshots;
  if (!settings) return undefined;
  const key = snapshotKey(query);
  const saved = await store.loadSnapshot(decision.name, key).catch(() => undefined);
  return { key, saved: saved && saved.version === String(settings.version ?? 1) ? saved : undefined };
}

/**
 * Reads what the decision needs: with a snapshot, the saved state plus the events after it. A snapshot holds the
 * fold of every matching event its head saw up to its position; the read after it also returns the events at
 * or below that position its head did not see (committed out of position order): if there is any, the snapshot
 * is behind, and the state is folded from scratch. Either way the new head covers every event in the state,
 * so the append's condition catches whatever the decision did not see. A snapshot that cannot be used (a head
 * of the store before a restore) only costs a full read.
 */
export async function readState<E extends EventShape, Cmd, State>(
  session: EventStoreSession<E>,
  decision: Decision<E, Cmd, State>,
  cmd: Cmd,
  query: Query<E>,
  snapshot: UsableSnapshot | undefined,
): Promise<ReadState<State>> {
  const settings = decision.snapshots;
  const due = (state: State, head: Head, position: bigint, events: bigint, since: number): DecisionSnapshot | undefined =>
    settings && snapshot && since >= settings.every
      ? { decision: decision.name, key: snapshot.key, version: String(settings.version ?? 1), state: toSnapshotJson(state), position, head, events }
      : undefined;
  const saved = snapshot?.saved;
  if (saved) {
    const tail = await session.read(query, { after: saved.position, alsoUnseenBy: saved.head }).catch((error: unknown) => {
      if (error instanceof InvalidQueryError && error.code === 'INVALID_HEAD') return undefined;
      throw error;
    });
    if (tail && !tail.events.some((e) => e.position <= saved.position)) {
      const events = tail.events as StoredEvent<E>[];
      const state = fold(decision.evolve, fromSnapshotJson<State>(saved.state), events);
      const position = events.length > 0 ? events[events.length - 1]!.position : saved.position;
      return { state, head: tail.head, snapshot: due(state, tail.head, position, saved.events + BigInt(events.length), events.length) };
    }
  }
  const read = await session.read(query);
  const events = read.events as StoredEvent<E>[];
  const state = fold(decision.evolve, decision.initialState(cmd), events);
  const position = events.length > 0 ? events[events.length - 1]!.position : 0n;
  return { state, head: read.head, snapshot: due(state, read.head, position, BigInt(events.length), events.length) };
}
