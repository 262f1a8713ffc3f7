import type { EventShape, NewEvent, Query, StoredEvent } from '@tally/eventstore';

/** How a decision keeps its state in snapshots (see `defineDecision`). */
export interface SnapshotSettings {
  /** Save a snapshot when at least this many events were folded since the last one. */
  readonly every: number;
  /** Version of `evolve` and of the state's shape: snapshots of another version are ignored. @defaultValue 1 */
  readonly version?: number | string;
}

/**
 * A decision over exactly the events it needs: what to read for a command, how to fold it into a state, and
 * what to decide. Pure: the command handler does the reading, appending and retrying.
 */
export interface Decision<E extends EventShape, Cmd, State> {
  readonly name: string;
  /** The events the decision depends on. */
  readonly query: (cmd: Cmd) => Query<E>;
  /**
   * The events whose appearance after the read invalidates the decision (the append's condition). Narrower
   * than `query` when some events cannot change the outcome (a deposit never makes a withdrawal wrong).
   * @defaultValue `query`
   */
  readonly condition?: (cmd: Cmd) => Query<E>;
  /** The state before any event; it gets the command (e.g. to know which account it is about). */
  readonly initialState: (cmd: Cmd) => State;
  /** Folds one event into the state (events come in position order). */
  readonly evolve: (state: State, event: StoredEvent<E>) => State;
  /** The new events, or a rejection ({@link reject}). An empty list means: nothing to do. */
  readonly decide: (cmd: Cmd, state: State) => readonly NewEvent<E>[];
  readonly snapshots?: SnapshotSettings;
}
