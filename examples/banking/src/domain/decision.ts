import { DecisionConflictError, defineDecision, isRejection, reject, type CommandHandler, type Decision } from '@tally/decisions';
import { EventIdConflictError, type EventMetadata, type NewEvent, type Query, type StoredEvent } from '@tally/eventstore';
import { BankError, RuleViolationError } from './errors.js';
import type { BankEvent } from './events.js';

// #region verdict
/** What a pure decision returns: the events to append (none for a request already applied) and the answer. */
export type Verdict<R> =
  | { readonly kind: 'append'; readonly events: readonly NewEvent<BankEvent>[]; readonly result: R }
  | { readonly kind: 'replay'; readonly result: R };
// #endregion verdict

// #region spec
/** A slice's decision: what it reads for a command, the state it folds that into, and its verdict. */
export interface BankDecisionSpec<Cmd, State, R> {
  readonly name: string;
  /** The events the decision reads. */
  readonly query: (command: Cmd) => Query<BankEvent>;
  /**
   * The events that would change the decision had they been seen: the append fails if one appeared since the
   * read. Often narrower than `query` (a deposit cannot make a withdrawal wrong). @defaultValue `query`
   */
  readonly condition?: (command: Cmd) => Query<BankEvent>;
  /** The state before any event: about the command's own account and operation id. */
  readonly initialState: (command: Cmd) => State;
  /** Folds one event read into the state. Pure. */
  readonly evolve: (state: State, event: StoredEvent<BankEvent>) => State;
  /** Pure: decides from the state. Throws a {@link BankError} to refuse. */
  readonly decide: (command: Cmd, state: State) => Verdict<R>;
  /**
   * The refusal when the store finds the new event's id taken by other content (a concurrent request with the
   * same operation id and other details). @defaultValue a generic `OPERATION_ID_REUSED`
   */
  readonly reused?: (command: Cmd) => BankError;
}
// #endregion spec

/** One request to the command handler: the command, and where its decision leaves the verdict. */
interface Request<Cmd, R> {
  readonly command: Cmd;
  verdict?: Verdict<R>;
}

/** The events a decision has read, newest first (see {@link defineBankDecision}). */
type Seen = { readonly event: StoredEvent<BankEvent>; readonly before: Seen } | null;

/** A slice's decision, with its definition for `@tally/decisions`' command handler. */
export interface BankDecision<Cmd, State, R> extends BankDecisionSpec<Cmd, State, R> {
  readonly definition: Decision<BankEvent, Request<Cmd, R>, Seen>;
}

// #region define
/**
 * Defines a slice's decision for the command handler (`defineDecision`). The bank's folds start from the
 * command, which a definition's `initialState` and `evolve` do not get: the handler keeps the events it read
 * (and those the decision appended, for the next command of its queue), and `decide` folds them. A refusal
 * goes to the handler as a rejection, so that one decided on a carried state is checked against a fresh read.
 */
export function defineBankDecision<Cmd, State, R>(spec: BankDecisionSpec<Cmd, State, R>): BankDecision<Cmd, State, R> {
  const { condition } = spec;
  const definition = defineDecision<BankEvent, Request<Cmd, R>, Seen>({
    name: spec.name,
    query: ({ command }) => spec.query(command),
    ...(condition ? { condition: ({ command }: Request<Cmd, R>) => condition(command) } : {}),
    initialState: () => null,
    evolve: (before, event) => ({ event, before }),
    decide: (request, seen) => {
      const events: StoredEvent<BankEvent>[] = [];
      for (let node = seen; node; node = node.before) events.push(node.event);
      let verdict: Verdict<R>;
      try {
        verdict = decideFrom(spec, request.command, events.reverse());
      } catch (error) {
        if (error instanceof BankError) reject(error.code, error, error.message);
        throw error;
      }
      request.verdict = verdict; // the handler answers with the events appended, not with the answer
      return verdict.kind === 'append' ? verdict.events : [];
    },
  });
  return Object.freeze({ ...spec, definition });
}
// #endregion define

/** The verdict on events in position order, folded from the decision's initial state (what unit tests feed). */
export function decideFrom<Cmd, State, R>(spec: BankDecisionSpec<Cmd, State, R>, command: Cmd, events: readonly StoredEvent<BankEvent>[]): Verdict<R> {
  return spec.decide(command, events.reduce(spec.evolve, spec.initialState(command)));
}

/** The answer, and whether it came from an earlier application of the same request. */
export type Outcome<R> = R & { readonly replayed: boolean };

// #region run
/**
 * Runs a decision through the bank's command handler: it reads, decides, and appends guarded by the condition
 * and the read's head; on a lost race it decides again (optimistic), or it holds the condition's locks from
 * before the read (locked). A refusal stays the bank's own error; the handler's conflicts and the store's id
 * conflicts become bank errors too.
 */
export async function runDecision<Cmd, State, R extends object>(
  handler: CommandHandler<BankEvent>,
  decision: BankDecision<Cmd, State, R>,
  command: Cmd,
  metadata?: EventMetadata,
): Promise<Outcome<R>> {
  const request: Request<Cmd, R> = { command };
  try {
    const { duplicate } = await handler.handle(decision.definition, request, metadata ? { metadata } : {});
    const verdict = request.verdict!;
    // `duplicate`: a concurrent retry of the same request stored the very same events first (same ids, same
    // content), so this request was applied once, by the other copy.
    return { ...verdict.result, replayed: verdict.kind === 'replay' || duplicate };
  } catch (error) {
    if (isRejection(error) && error.data instanceof BankError) throw error.data;
    if (error instanceof EventIdConflictError) {
      if (decision.reused) throw decision.reused(command);
      throw new RuleViolationError('OPERATION_ID_REUSED', 'this operation id was already used for a different request', {}, { cause: error });
    }
    if (error instanceof DecisionConflictError) {
      throw new BankError('CONCURRENCY_CONFLICT', `gave up after ${error.attempts} attempts: the accounts kept changing; retry the request`, {}, { cause: error });
    }
    throw error;
  }
}
// #endregion run
