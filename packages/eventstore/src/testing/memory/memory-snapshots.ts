import type { DecisionSnapshot, Head } from '../../types.js';
import { jsonbText } from './jsonb-value.js';

interface StoredSnapshot {
  readonly version: string;
  /** The state as jsonb text: a copy, nothing shared with the caller. */
  readonly stateText: string;
  readonly position: bigint;
  readonly head: Head;
  readonly events: bigint;
}

/**
 * The decision snapshots of one memory store, with the rule of the PostgreSQL store's `decision_snapshots`: one
 * per decision and key; a save replaces it when its version differs or it folds more events, never with an older one.
 */
export class MemorySnapshots {
  readonly #snapshots = new Map<string, StoredSnapshot>();

  load(decision: string, key: string): DecisionSnapshot | undefined {
    const found = this.#snapshots.get(JSON.stringify([decision, key]));
    if (!found) return undefined;
    const { stateText, ...rest } = found;
    return { decision, key, ...rest, state: JSON.parse(stateText) as unknown };
  }

  save(snapshot: DecisionSnapshot): void {
    const id = JSON.stringify([snapshot.decision, snapshot.key]);
    const stateText = jsonbText(snapshot.state);
    const current = this.#snapshots.get(id);
    if (current && current.version === snapshot.version && current.events >= snapshot.events) return;
    this.#snapshots.set(id, { version: snapshot.version, stateText, position: snapshot.position, head: snapshot.head, events: snapshot.events });
  }
}
