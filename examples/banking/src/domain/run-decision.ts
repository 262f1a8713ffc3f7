import {
  AppendConditionError,
  EventIdConflictError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type Query,
  type StoredEvent,
} from '@tally/eventstore';
import { setTimeout as sleep } from 'node:timers/promises';
import { BankError, RuleViolationError } from './errors.js';
import type { BankEvent } from './events.js';

// #region decision
/** What a pure decision returns: the events to append (none for a request already applied) and the answer. */
export type Decision<R> =
  | { readonly kind: 'append'; readonly events: readonly NewEvent<BankEvent>[]; readonly result: R }
  | { readonly kind: 'replay'; readonly result: R };
// #endregion decision

// #region spec
export interface DecisionSpec<R> {
  /** The events the decision reads. */
  readonly query: Query<BankEvent>;
  /**
   * The events that would change the decision had they been seen: the append fails if one appeared since the
   * read. Often narrower than `query` (a deposit cannot make a withdrawal wrong).
   */
  readonly condition: Query<BankEvent>;
  /** Pure: decides from the events read. Throws a {@link BankError} to refuse. */
  readonly decide: (events: readonly StoredEvent<BankEvent>[]) => Decision<R>;
}
// #endregion spec

export interface RunOptions {
  readonly metadata?: EventMetadata;
  /** Reads-and-decides before giving up with CONCURRENCY_CONFLICT. @defaultValue 20 */
  readonly maxAttempts?: number;
}

/** The answer, and whether it came from an earlier application of the same request. */
export type Outcome<R> = R & { readonly replayed: boolean };

// #region run
/**
 * Read → decide → append guarded by the read → on a lost race, read again and decide again. The store's
 * condition makes the check and the write one atomic step, so two racing decisions cannot both be based on
 * the same stale state.
 */
export async function runDecision<R extends object>(store: EventStore<BankEvent>, spec: DecisionSpec<R>, options: RunOptions = {}): Promise<Outcome<R>> {
  const maxAttempts = options.maxAttempts ?? 20;
  for (let attempt = 1; ; attempt++) {
    const { events, head } = await store.read(spec.query);
    const decision = spec.decide(events);
    if (decision.kind === 'replay') return { ...decision.result, replayed: true };
    try {
      const appended = await store.append(decision.events, {
        condition: { query: spec.condition, after: head },
        ...(options.metadata ? { metadata: options.metadata } : {}),
      });
      // `duplicate`: a concurrent retry of the same request stored the very same events first (same ids,
      // same content), so this request was applied once, by the other copy.
      return { ...decision.result, replayed: appended.duplicate };
    } catch (error) {
      if (error instanceof EventIdConflictError) {
        throw new RuleViolationError('OPERATION_ID_REUSED', 'this operation id was already used for a different request', {}, { cause: error });
      }
      if (!(error instanceof AppendConditionError)) throw error;
      if (attempt >= maxAttempts) {
        throw new BankError('CONCURRENCY_CONFLICT', `gave up after ${attempt} attempts: the accounts kept changing; retry the request`, {}, { cause: error });
      }
      // Back off a little, with jitter, so that racing requests do not retry in lock step.
      await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
  }
}
// #endregion run
