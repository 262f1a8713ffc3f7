import type { EventShape, NewEvent, Query, StoredEvent } from '@tally/eventstore';
import type { Decision, SnapshotSettings } from './decision.js';
import { defineDecision } from './define-decision.js';
import { InvalidDecisionError } from './errors.js';

/** What every command of an aggregate carries: the id of the aggregate instance it is for. */
export interface AggregateCommand {
  readonly id: string;
}

/** An aggregate's commands by name, each with its command type: what the two-type-argument form assumes. */
export type AggregateCommands = { readonly [name: string]: AggregateCommand };

/**
 * The command type a command handler declared: its `cmd` parameter's type, with `id` added when the type lacks
 * it, {@link AggregateCommand} when the handler takes no `cmd`.
 */
export type AggregateCommandType<Cmd> = unknown extends Cmd ? AggregateCommand : Cmd extends AggregateCommand ? Cmd : Cmd & AggregateCommand;

/**
 * One command of an aggregate: from the instance's state and the command, the new events (an empty list: nothing
 * to do), or a rejection ({@link reject}). Events without the aggregate's tag get it.
 */
export type AggregateCommandHandler<E extends EventShape, State, Cmd> = {
  // Method syntax, so a handler of `{ id, amount }` also fits the two-type-argument form's `{ id }` (see defineAggregate).
  handle(state: State, cmd: Cmd): readonly NewEvent<E>[];
}['handle'];

/** What `defineAggregate` takes. */
export interface AggregateDefinition<E extends EventShape, State, Cmds> {
  /** The aggregate's name: the name of each of its command decisions, so they share its snapshots. */
  readonly name: string;
  /** The tag of instance `id` (e.g. `(id) => \`account:${id}\``): the instance's events are the events carrying it. */
  readonly tag: (id: string) => string;
  readonly initialState: () => State;
  /** Folds one event of the instance (any event carrying its tag, in position order) into its state. */
  readonly evolve: (state: State, event: StoredEvent<E>) => State;
  /**
   * The commands, by name. Annotate each one's `cmd` (it has the instance's `id`): that type is what `handle`
   * takes for it. A handler with neither parameter annotated (`(state, cmd) => …`) defeats the inference.
   */
  readonly commands: { readonly [K in keyof Cmds]: AggregateCommandHandler<E, State, Cmds[K]> };
  /** Snapshots of an instance's state, shared by all its commands (see {@link SnapshotSettings}). */
  readonly snapshots?: SnapshotSettings;
}

/** An aggregate: each of its `commands` is a {@link Decision} to give `handler.handle`. */
export interface Aggregate<E extends EventShape, State, Cmds> {
  readonly name: string;
  readonly tag: (id: string) => string;
  /** The events of instance `id`: every event carrying its tag (the query and the condition of every command). */
  readonly query: (id: string) => Query<E>;
  readonly initialState: () => State;
  readonly evolve: (state: State, event: StoredEvent<E>) => State;
  /** One decision per command: `handler.handle(account.commands.deposit, { id: 'a1', amount: 5 })`. */
  readonly commands: { readonly [K in keyof Cmds]: Decision<E, AggregateCommandType<Cmds[K]>, State> };
  readonly snapshots?: SnapshotSettings;
}

/** Defines aggregates of the event union `E`; the state and the commands' types are inferred from the definition. */
export type AggregateBuilder<E extends EventShape> = <State, Cmds>(
  definition: AggregateDefinition<E, State, Cmds>,
) => Aggregate<E, State, Cmds>;

/**
 * Defines an aggregate in the evtstore style, without classes: one tag per instance, its events in order, each
 * command a decision guarded by every event carrying that tag.
 *
 * Preferred form, curried: give the event union, the rest is inferred, and each command keeps its own type.
 * @example
 * const account = defineAggregate<BankEvent>()({
 *   name: 'bank-account',
 *   tag: (id) => `account:${id}`,
 *   initialState: (): AccountState => ({ open: false, balance: 0 }),
 *   evolve: (state, event) => …,
 *   commands: {
 *     deposit: (state, cmd: { id: string; amount: number }) => {
 *       if (!state.open) reject('ACCOUNT_NOT_OPEN');
 *       return [{ type: 'MoneyDeposited', data: { accountId: cmd.id, amount: cmd.amount } }];
 *     },
 *   },
 * });
 * await handler.handle(account.commands.deposit, { id: 'a1', amount: 5 });
 *
 * The form `defineAggregate<E, State>(definition)` also works, but TypeScript cannot infer the command types once
 * type arguments are given: every command then takes an {@link AggregateCommand} (`{ id: string }`), and
 * `commands` is an index (a command name is not checked). Give the third argument,
 * `defineAggregate<E, State, { deposit: Deposit }>(…)`, or use the curried form to keep them.
 * @throws {InvalidDecisionError} when a part is missing or a command is not a function
 */
export function defineAggregate<E extends EventShape>(): AggregateBuilder<E>;
export function defineAggregate<E extends EventShape, State, Cmds = AggregateCommands>(
  definition: AggregateDefinition<E, State, Cmds>,
): Aggregate<E, State, Cmds>;
export function defineAggregate<E extends EventShape, State, Cmds>(
  ...args: [] | [AggregateDefinition<E, State, Cmds>]
): AggregateBuilder<E> | Aggregate<E, State, Cmds> {
  if (args.length === 0) return (definition) => buildAggregate(definition);
  return buildAggregate(args[0]);
}

function buildAggregate<E extends EventShape, State, Cmds>(definition: AggregateDefinition<E, State, Cmds>): Aggregate<E, State, Cmds> {
  const d = (definition ?? {}) as Partial<AggregateDefinition<E, State, Cmds>>;
  if (typeof d.name !== 'string' || d.name.trim() === '') throw new InvalidDecisionError('an aggregate needs a non-empty name');
  for (const part of ['tag', 'initialState', 'evolve'] as const) {
    if (typeof d[part] !== 'function') throw new InvalidDecisionError(`aggregate "${d.name}": ${part} must be a function`);
  }
  if (d.commands === null || typeof d.commands !== 'object') throw new InvalidDecisionError(`aggregate "${d.name}": commands must be an object of functions`);
  const { name, tag, initialState, evolve, snapshots } = definition;

  /** The tag of instance `id`, checked; `where`: what asked (for the message). */
  const tagOf = (id: unknown, where: string): string => {
    if (typeof id !== 'string' || id === '') {
      throw new InvalidDecisionError(`aggregate "${name}", ${where}: the instance's id must be a non-empty string, got ${describe(id)}`);
    }
    const value: unknown = tag(id);
    if (typeof value !== 'string' || value === '') {
      throw new InvalidDecisionError(`aggregate "${name}": tag("${id}") must return a non-empty string, got ${describe(value)}`);
    }
    return value;
  };
  const queryOf = (value: string): Query<E> => [{ tags: [value] }];

  const commands: Record<string, Decision<E, AggregateCommand, State>> = {};
  for (const [command, handler] of Object.entries(definition.commands) as [string, unknown][]) {
    if (typeof handler !== 'function') throw new InvalidDecisionError(`aggregate "${name}": command "${command}" must be a function`);
    const run = handler as (state: State, cmd: AggregateCommand) => unknown;
    commands[command] = defineDecision<E, AggregateCommand, State>({
      name,
      query: (cmd) => queryOf(tagOf(cmd?.id, `command "${command}"`)),
      initialState,
      evolve,
      decide: (cmd, state) => {
        const value = tagOf(cmd.id, `command "${command}"`);
        const events = run(state, cmd);
        if (!Array.isArray(events)) {
          throw new InvalidDecisionError(`aggregate "${name}", command "${command}": must return an array of events (or reject), got ${describe(events)}`);
        }
        return (events as NewEvent<E>[]).map((event) => (event.tags?.includes(value) ? event : ({ ...event, tags: [...(event.tags ?? []), value] } as NewEvent<E>)));
      },
      ...(snapshots ? { snapshots } : {}),
    });
  }
  return Object.freeze({
    name,
    tag,
    query: (id: string) => queryOf(tagOf(id, 'query(id)')),
    initialState,
    evolve,
    // One decision per command name: the mapped type says which command type each takes.
    commands: Object.freeze(commands) as Aggregate<E, State, Cmds>['commands'],
    ...(snapshots ? { snapshots } : {}),
  });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
