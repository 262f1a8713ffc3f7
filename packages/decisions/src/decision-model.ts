import { matchesQuery, type EventShape, type NewEvent, type Query, type QueryItem, type StoredEvent } from '@tally/eventstore';
import type { Decision } from './decision.js';
import { defineDecision } from './define-decision.js';
import { InvalidDecisionError } from './errors.js';
import { stableKey } from './stable-key.js';

/**
 * One small state of a decision model, for one command: the events it needs, and how to fold them. Usually made by
 * a function of the command's ids, e.g. `courseCapacity(cmd.courseId)`, so one part serves several models.
 */
export interface DecisionPart<E extends EventShape, State> {
  /** The events this state folds. An empty query means every event. */
  readonly query: Query<E>;
  /**
   * The events whose appearance after the read makes this state out of date (its share of the model's condition).
   * @defaultValue `query`
   */
  readonly condition?: Query<E>;
  initialState(): State;
  /** Folds one event that matches `query` (only those; in position order). */
  evolve(state: State, event: StoredEvent<E>): State;
}

/** The parts of a model for one command, by name: one {@link DecisionPart} per state of `States`. */
export type DecisionParts<E extends EventShape, States> = { readonly [K in keyof States]: DecisionPart<E, States[K]> };

/** What `decisionModel` takes. */
export interface DecisionModelDefinition<E extends EventShape, Cmd, States> {
  readonly name: string;
  /** The parts for a command (annotate `cmd`: its type is the command type of the model). */
  readonly parts: (cmd: Cmd) => DecisionParts<E, States>;
  /** Decides from every part's state: new events, or a rejection ({@link reject}). */
  readonly decide: (cmd: Cmd, states: States) => readonly NewEvent<E>[];
}

/**
 * What a decision model keeps while it reads: the events its parts' queries matched, newest first. Each part's state
 * is folded from them when the model decides (see {@link decisionModel}).
 */
export type DecisionModelHistory<E extends EventShape> = { readonly event: StoredEvent<E>; readonly before: DecisionModelHistory<E> } | null;

/** A decision model: a {@link Decision} to give `handler.handle`, plus the fold of its parts for tests and views. */
export interface DecisionModel<E extends EventShape, Cmd, States> extends Decision<E, Cmd, DecisionModelHistory<E>> {
  readonly parts: (cmd: Cmd) => DecisionParts<E, States>;
  /** Each part's state after `events` (in position order; each event goes to the parts whose query it matches). */
  readonly fold: (cmd: Cmd, events: Iterable<StoredEvent<E>>) => States;
}

/** Defines decision models of the event union `E`; the command and the parts' states are inferred. */
export type DecisionModelBuilder<E extends EventShape> = <Cmd, States>(definition: DecisionModelDefinition<E, Cmd, States>) => DecisionModel<E, Cmd, States>;

/**
 * A decision over several small states, each with its own query (the Dynamic Consistency Boundary way): the parts'
 * queries are read in one statement, every event is folded into each part whose query matches it, and the append
 * is guarded by all the parts' conditions at once.
 *
 * Its state, for the handler, is the events read ({@link DecisionModelHistory}): a part's `evolve` may depend on the
 * command, and a decision's `initialState`/`evolve` do not get it, so the parts are folded when the model decides.
 * A model's queries are meant to be narrow; it takes no snapshots.
 * @example
 * const subscribe = decisionModel<CourseEvent>()({
 *   name: 'subscribe',
 *   parts: (cmd: Subscribe) => ({ course: courseCapacity(cmd.courseId), student: studentLoad(cmd.studentId) }),
 *   decide: (cmd, { course, student }) => {
 *     if (course.subscribed >= course.capacity) reject('COURSE_FULL');
 *     if (student.courses >= 2) reject('TOO_MANY_COURSES');
 *     return [{ type: 'StudentSubscribed', data: cmd, tags: [`course:${cmd.courseId}`, `student:${cmd.studentId}`] }];
 *   },
 * });
 * await handler.handle(subscribe, { courseId: 'c1', studentId: 's1' });
 *
 * `decisionModel<E, Cmd, States>(definition)` (all three type arguments) is the same without the curry.
 * @throws {InvalidDecisionError} when a part is missing (checked per command, when `parts` is called)
 */
export function decisionModel<E extends EventShape>(): DecisionModelBuilder<E>;
export function decisionModel<E extends EventShape, Cmd, States>(definition: DecisionModelDefinition<E, Cmd, States>): DecisionModel<E, Cmd, States>;
export function decisionModel<E extends EventShape, Cmd, States>(
  ...args: [] | [DecisionModelDefinition<E, Cmd, States>]
): DecisionModelBuilder<E> | DecisionModel<E, Cmd, States> {
  if (args.length === 0) return (definition) => buildModel(definition);
  return buildModel(args[0]);
}

function buildModel<E extends EventShape, Cmd, States>(definition: DecisionModelDefinition<E, Cmd, States>): DecisionModel<E, Cmd, States> {
  const d = (definition ?? {}) as Partial<DecisionModelDefinition<E, Cmd, States>>;
  if (typeof d.name !== 'string' || d.name.trim() === '') throw new InvalidDecisionError('a decision model needs a non-empty name');
  for (const key of ['parts', 'decide'] as const) {
    if (typeof d[key] !== 'function') throw new InvalidDecisionError(`decision model "${d.name}": ${key} must be a function`);
  }
  const { name } = definition;

  /** The parts for `cmd`, checked. */
  const partsOf = (cmd: Cmd): [string, DecisionPart<E, unknown>][] => {
    const parts: unknown = definition.parts(cmd);
    if (parts === null || typeof parts !== 'object') throw new InvalidDecisionError(`decision model "${name}": parts(cmd) must return an object of parts`);
    const entries = Object.entries(parts as Record<string, unknown>);
    if (entries.length === 0) throw new InvalidDecisionError(`decision model "${name}": parts(cmd) returned no part`);
    for (const [key, part] of entries) {
      const p = (part ?? {}) as Partial<DecisionPart<E, unknown>>;
      if (!Array.isArray(p.query)) throw new InvalidDecisionError(`decision model "${name}", part "${key}": query must be an array of query items`);
      if (p.condition !== undefined && !Array.isArray(p.condition)) {
        throw new InvalidDecisionError(`decision model "${name}", part "${key}": condition must be an array of query items (or omitted)`);
      }
      if (typeof p.initialState !== 'function' || typeof p.evolve !== 'function') {
        throw new InvalidDecisionError(`decision model "${name}", part "${key}": initialState and evolve must be functions`);
      }
    }
    return entries as [string, DecisionPart<E, unknown>][];
  };

  const fold = (cmd: Cmd, events: Iterable<StoredEvent<E>>): States => {
    const parts = partsOf(cmd);
    const states = parts.map(([, part]) => part.initialState());
    for (const event of events) {
      parts.forEach(([, part], i) => {
        if (matchesQuery(event, part.query)) states[i] = part.evolve(states[i], event);
      });
    }
    return Object.fromEntries(parts.map(([key], i) => [key, states[i]])) as States;
  };

  const decision = defineDecision<E, Cmd, DecisionModelHistory<E>>({
    name,
    query: (cmd) => union(partsOf(cmd).map(([, part]) => part.query)),
    condition: (cmd) => union(partsOf(cmd).map(([, part]) => part.condition ?? part.query)),
    initialState: () => null,
    evolve: (history, event) => ({ event, before: history }),
    decide: (cmd, history) => definition.decide(cmd, fold(cmd, oldestFirst(history))),
  });
  return Object.freeze({ ...decision, parts: definition.parts, fold });
}

/** The queries OR'ed into one: their items, each once; every event if one of them is empty (every event). */
function union<E extends EventShape>(queries: readonly Query<E>[]): Query<E> {
  if (queries.some((query) => query.length === 0)) return [];
  const items = new Map<string, QueryItem<E>>();
  for (const item of queries.flat()) {
    const key = stableKey(item);
    if (!items.has(key)) items.set(key, item);
  }
  return [...items.values()];
}

function oldestFirst<E extends EventShape>(history: DecisionModelHistory<E>): StoredEvent<E>[] {
  const events: StoredEvent<E>[] = [];
  for (let node = history; node !== null; node = node.before) events.push(node.event);
  return events.reverse();
}
