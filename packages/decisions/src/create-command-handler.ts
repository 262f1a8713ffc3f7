import { setTimeout as sleep } from 'node:timers/promises';
import {
  AppendConditionError,
  backoffDelay,
  matchesQuery,
  type BackoffOptions,
  type DecisionSnapshot,
  type EventMetadata,
  type EventShape,
  type EventStore,
  type EventStoreSession,
  type Head,
  type NewEvent,
  type Query,
  type StoredEvent,
} from '@tally/eventstore';
import type { Decision } from './decision.js';
import { DecisionConflictError, InvalidOptionError, isRejection } from './errors.js';
import { Lanes, type Lane } from './lanes.js';
import { laneKey } from './lane-key.js';
import { loadUsableSnapshot, readState, type UsableSnapshot } from './read-state.js';
import { storedFromAppend } from './stored-from-append.js';
import { traceDecision } from './telemetry/trace-decision.js';

/** How the handler guards a decision. */
export type HandlerMode = 'optimistic' | 'locked';

/** Options of {@link createCommandHandler}. */
export interface CommandHandlerOptions {
  /**
   * `optimistic`: read, decide, append guarded by the read's head, and on a conflict retry after a jittered
   * backoff. `locked`: in one transaction, take the condition's locks first, then read, decide and append: no
   * conflicts and no wasted reads on a hot key, at the price of holding the locks while deciding.
   * @defaultValue 'optimistic'
   */
  readonly mode?: HandlerMode;
  /** Attempts before a conflict is given up as {@link DecisionConflictError}. @defaultValue 20 */
  readonly maxAttempts?: number;
  /** Delay between optimistic attempts: doubles per attempt from `baseMs` up to `maxMs`, jittered. @defaultValue { baseMs: 2, maxMs: 100 } */
  readonly backoff?: BackoffOptions;
}

/** Options of one `handle` call. */
export interface HandleOptions {
  /** Merged into each new event's metadata (correlationId, causationId, …); the event's own keys win. */
  readonly metadata?: EventMetadata;
}

/** What `handle` did. */
export interface HandleResult<E extends EventShape, State = unknown> {
  /** The events appended, as stored (empty when the decision had nothing to do, or they were already stored). */
  readonly events: readonly StoredEvent<E>[];
  /** The head after the append (or of the read, when nothing was appended): guards a later append on the same events. */
  readonly head: Head;
  /** The decision's state after its events: what `decide` saw, with the appended events it reads folded in. */
  readonly state: State;
  /** Attempts it took (1 when nothing conflicted). */
  readonly attempts: number;
  /** True when every new event carried an id that was already stored with the same content: nothing was written. */
  readonly duplicate: boolean;
}

/** Runs decisions against a store. */
export interface CommandHandler<E extends EventShape> {
  /**
   * Reads what `decision` needs for `cmd`, decides, and appends guarded by what it read; retries on conflict.
   * Commands on the same events in this process run one after another, each from the state the previous one
   * left (no read in between).
   * @throws {DecisionRejectedError} when `decide` rejects (nothing written)
   * @throws {DecisionConflictError} after `maxAttempts` conflicts (nothing written)
   * @throws the store's errors (e.g. `InvalidEventError` for an event `decide` got wrong)
   */
  handle<Cmd, State>(decision: Decision<E, Cmd, State>, cmd: Cmd, options?: HandleOptions): Promise<HandleResult<E, State>>;
}

interface Attempt<E extends EventShape, Cmd, State> {
  readonly decision: Decision<E, Cmd, State>;
  readonly cmd: Cmd;
  readonly query: Query<E>;
  readonly condition: Query<E>;
  readonly metadata: EventMetadata | undefined;
  readonly lane: Lane;
}

/**
 * Creates a command handler on `store`.
 * @example
 * const handler = createCommandHandler(store, { mode: 'locked' });
 * const { events, head, attempts } = await handler.handle(withdraw, { accountId: 'a1', amount: 30 });
 * @throws {InvalidOptionError}
 */
export function createCommandHandler<E extends EventShape>(store: EventStore<E>, options: CommandHandlerOptions = {}): CommandHandler<E> {
  const mode = options.mode ?? 'optimistic';
  if (mode !== 'optimistic' && mode !== 'locked') throw new InvalidOptionError('mode', "'optimistic' or 'locked'");
  const maxAttempts = options.maxAttempts ?? 20;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) throw new InvalidOptionError('maxAttempts', 'a positive integer');
  const backoff = options.backoff ?? { baseMs: 2, maxMs: 100 };
  const lanes = new Lanes();
  const decisionIds = new WeakMap<object, number>();
  let decisionCount = 0;
  const idOf = (decision: object) => {
    let id = decisionIds.get(decision);
    if (id === undefined) decisionIds.set(decision, (id = ++decisionCount));
    return id;
  };

  /**
   * Folds the read (or the lane's carried state) into the state, decides, appends. `undefined` on a conflict
   * (the carried state is dropped); `snapshot` is the snapshot due after the read, saved by the caller once the
   * transaction is over.
   */
  async function once<Cmd, State>(
    session: EventStoreSession<E>,
    attempt: Attempt<E, Cmd, State>,
    attemptNumber: number,
    saved: UsableSnapshot | undefined,
  ): Promise<{ result: HandleResult<E, State> | undefined; snapshot: DecisionSnapshot | undefined }> {
    const { decision, cmd, lane } = attempt;
    let carried = lane.carried as { state: State; head: Head } | undefined;
    lane.carried = undefined;
    let snapshot: DecisionSnapshot | undefined;
    for (;;) {
      let state: State;
      let head: Head;
      if (carried) {
        ({ state, head } = carried);
      } else {
        const read = await readState(session, decision, cmd, attempt.query, saved);
        ({ state, head } = read);
        snapshot = read.snapshot;
      }
      let decided: readonly NewEvent<E>[];
      try {
        decided = decision.decide(cmd, state);
      } catch (error) {
        // A carried state misses events that match the query but not the condition (appended elsewhere): what
        // it refuses is checked against a fresh read before it counts.
        if (carried) {
          carried = undefined;
          continue;
        }
        if (isRejection(error)) error.decision = decision.name;
        throw error;
      }
      if (decided.length === 0) {
        if (carried) {
          carried = undefined; // "nothing to do" may be stale too
          continue;
        }
        return { result: { events: [], head, state, attempts: attemptNumber, duplicate: false }, snapshot };
      }
      // No ids of its own: the store gives each event one (and returns them), so the append skips its id check
      // unless the decision chose ids (then a retry of the same events is idempotent).
      const events = decided;
      try {
        const appended = await session.append(events, {
          condition: { query: attempt.condition, after: head },
          ...(attempt.metadata ? { metadata: attempt.metadata } : {}),
        });
        if (appended.duplicate) return { result: { events: [], head, state, attempts: attemptNumber, duplicate: true }, snapshot };
        const stored = storedFromAppend(events, appended, attempt.metadata);
        const after = appended.head ?? head;
        // Only what the decision reads is folded: the appended events that match its query (a decision may write
        // events it never reads, e.g. an audit record).
        const folded = stored.filter((e) => matchesQuery(e, attempt.query)).reduce<State>((s, e) => decision.evolve(s, e), state);
        lane.carried = { state: folded, head: after };
        return { result: { events: stored, head: after, state: folded, attempts: attemptNumber, duplicate: false }, snapshot };
      } catch (error) {
        if (!(error instanceof AppendConditionError)) throw error;
        return { result: undefined, snapshot };
      }
    }
  }

  async function run<Cmd, State>(attempt: Attempt<E, Cmd, State>): Promise<HandleResult<E, State>> {
    let conflict: unknown;
    for (let n = 1; n <= maxAttempts; n++) {
      // Outside the transaction: a locked decision's transaction must never wait for a second connection.
      const saved = attempt.lane.carried || !attempt.decision.snapshots ? undefined : await loadUsableSnapshot(store, attempt.decision, attempt.query);
      const { result, snapshot } =
        mode === 'locked'
          ? await store.transaction(async (session) => {
              await session.lockCondition(attempt.condition);
              return once(session, attempt, n, saved);
            })
          : await once(store, attempt, n, saved);
      // Best effort: a snapshot that cannot be saved only costs the next command a longer read.
      if (snapshot) await store.saveSnapshot(snapshot).catch(() => {});
      if (result) return result;
      conflict = new AppendConditionError({ query: attempt.condition });
      if (n < maxAttempts && mode === 'optimistic') await sleep(backoffDelay(n, backoff));
    }
    throw new DecisionConflictError(attempt.decision.name, maxAttempts, { cause: conflict });
  }

  return {
    async handle(decision, cmd, handleOptions = {}) {
      const query = decision.query(cmd);
      const condition = decision.condition?.(cmd) ?? query;
      // One lane per fold (decisions sharing `evolve`, like an aggregate's commands, carry each other's state)
      // and per query and condition.
      const queryKey = laneKey(query);
      const key = `${idOf(decision.evolve)}\u0000${idOf(decision.initialState)}\u0000${queryKey}\u0000${condition === query ? queryKey : laneKey(condition)}`;
      return traceDecision({ name: decision.name, mode }, () => lanes.run(key, (lane) => run({ decision, cmd, query, condition, metadata: handleOptions.metadata, lane })));
    },
  };
}
