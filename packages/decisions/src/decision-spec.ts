import { isDeepStrictEqual } from 'node:util';
import type { EventMetadata, EventShape, EventStore, NewEvent, StoredEvent } from '@tally/eventstore';
import { createCommandHandler, type HandleResult, type HandlerMode } from './create-command-handler.js';
import type { Decision } from './decision.js';
import { DecisionRejectedError, isRejection } from './errors.js';

/**
 * An expectation of {@link decisionSpec} that did not hold. `expected` and `actual` are what was compared (events as
 * `{ type, data, tags }`, or `{ reason, data }` of a rejection), so a test runner can show a diff; `cause` is the
 * error the command threw, if it threw.
 */
export class DecisionSpecError extends Error {
  /** Node's code of assertion failures, which test runners recognise. */
  readonly code = 'ERR_ASSERTION';
  /** Asks test runners (vitest, jest) to show the diff of `expected` and `actual`. */
  readonly showDiff = true;
  constructor(
    message: string,
    readonly expected: unknown,
    readonly actual: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DecisionSpecError';
  }
}

/** Options of {@link decisionSpec}. */
export interface DecisionSpecOptions<E extends EventShape> {
  /**
   * The store to run on (e.g. PostgreSQL from `createTestStore`): `given` appends to it, so give each scenario a
   * store of its own or ids and tags of its own.
   * @defaultValue a new `createInMemoryEventStore()` (from `@tally/eventstore/testing`) per scenario
   */
  readonly store?: EventStore<E>;
  /** @defaultValue 'optimistic' */
  readonly mode?: HandlerMode;
  /** Passed to `handle` (merged into the new events' metadata). */
  readonly metadata?: EventMetadata;
}

/** An event the command is expected to append: type, data and tags are compared (tags as a set; none: no tags). */
export type ExpectedEvent<E extends EventShape> = E extends EventShape ? E & { readonly tags?: readonly string[] } : never;

/** A decision's scenario being written: `given` the history, `when` the command. */
export interface DecisionSpec<E extends EventShape, Cmd> {
  /** Events stored before the command (appended as given, in order, unconditionally). Calls add up. */
  given(events: readonly NewEvent<E>[]): DecisionSpec<E, Cmd>;
  when(cmd: Cmd): DecisionScenario<E>;
}

/** A scenario with its command: run it with one expectation (each call runs it afresh). */
export interface DecisionScenario<E extends EventShape> {
  /**
   * Runs the command through a command handler and checks that it appended exactly `expected`, in order.
   * Resolves to what `handle` returned.
   * @throws {DecisionSpecError} when other events were appended, or the command was rejected or failed
   */
  then(expected: readonly ExpectedEvent<E>[]): Promise<HandleResult<E>>;
  /**
   * Runs the command and checks that the decision rejected it with `reason` (and, when given, that the
   * rejection's data equals `data`). Resolves to the rejection.
   * @throws {DecisionSpecError} when it appended events, or was rejected with another reason or data, or failed
   */
  thenRejects<const Reason extends string>(reason: Reason, data?: unknown): Promise<DecisionRejectedError<Reason>>;
}

/**
 * Given/when/then for a decision (or an aggregate's command, or a decision model), run through a real command
 * handler: on an in-memory store by default, on the store you give (PostgreSQL) otherwise. Each `then` or
 * `thenRejects` runs the scenario: it appends the `given` events, handles the command, and compares.
 * @example
 * await decisionSpec(withdraw)
 *   .given([{ type: 'Deposited', data: { accountId: 'a1', amount: 100 }, tags: ['account:a1'] }])
 *   .when({ accountId: 'a1', amount: 30 })
 *   .then([{ type: 'Withdrawn', data: { accountId: 'a1', amount: 30 }, tags: ['account:a1'] }]);
 * await decisionSpec(withdraw).when({ accountId: 'a1', amount: 30 }).thenRejects('INSUFFICIENT_FUNDS');
 */
export function decisionSpec<E extends EventShape, Cmd, State>(decision: Decision<E, Cmd, State>, options: DecisionSpecOptions<E> = {}): DecisionSpec<E, Cmd> {
  const label = `decisionSpec(${decision.name})`;
  const spec = (given: readonly NewEvent<E>[]): DecisionSpec<E, Cmd> => ({
    given: (events) => spec([...given, ...events]),
    when: (cmd) => {
      const run = async (): Promise<{ ok: HandleResult<E> } | { error: unknown }> => {
        const store = options.store ?? (await memoryStore<E>());
        try {
          if (given.length > 0) await store.append(given);
          const handler = createCommandHandler(store, options.mode ? { mode: options.mode } : {});
          return { ok: await handler.handle(decision, cmd, options.metadata ? { metadata: options.metadata } : {}) };
        } catch (error) {
          return { error };
        } finally {
          if (!options.store) await store.close();
        }
      };
      return {
        then(expected: readonly ExpectedEvent<E>[]) {
          if (typeof expected === 'function') {
            // `await spec.when(cmd)` calls this as a thenable's `then(resolve, reject)`.
            // eslint-disable-next-line prefer-rest-params -- the thenable's reject is kept out of the typed signature
            const rejectPromise: unknown = arguments[1];
            const error = new TypeError(`${label}: a scenario is not awaited itself; await .then(events) or .thenRejects(reason)`);
            if (typeof rejectPromise === 'function') (rejectPromise as (reason: unknown) => void)(error);
            const refused = Promise.reject(error);
            refused.catch(() => {}); // already reported through the await
            return refused;
          }
          return run().then((outcome) => {
            const want = expected.map(comparable);
            if ('error' in outcome) throw failure(label, `expected ${count(want.length)}, but ${threw(outcome.error)}`, want, outcome.error);
            const got = outcome.ok.events.map(comparable);
            if (!isDeepStrictEqual(got, want)) {
              throw new DecisionSpecError(`${label}: ${difference(want, got)}`, want, got);
            }
            return outcome.ok;
          });
        },
        thenRejects<const Reason extends string>(reason: Reason, ...rest: [data?: unknown]) {
          return run().then((outcome) => {
            const expected = rest.length > 0 ? { reason, data: rest[0] } : { reason };
            if ('ok' in outcome) {
              const got = outcome.ok.events.map(comparable);
              const did = got.length === 0 ? (outcome.ok.duplicate ? 'its events were already stored' : 'it appended nothing') : `it appended ${list(got)}`;
              throw failure(label, `expected a rejection ${reason}, but ${did}`, expected, got);
            }
            const error = outcome.error;
            if (!isRejection(error)) throw failure(label, `expected a rejection ${reason}, but ${threw(error)}`, expected, error);
            const actual = rest.length > 0 ? { reason: error.reason, data: error.data } : { reason: error.reason };
            if (!isDeepStrictEqual(actual, expected)) {
              const withData = rest.length > 0 ? ` with data ${show(rest[0])}` : '';
              throw new DecisionSpecError(`${label}: expected a rejection ${reason}${withData}, but it was rejected with ${error.reason} (data ${show(error.data)})`, expected, actual);
            }
            return error as DecisionRejectedError<Reason>;
          });
        },
      };
    },
  });
  return spec([]);
}

/** The in-memory store of `@tally/eventstore/testing`, loaded only when a spec needs it. */
async function memoryStore<E extends EventShape>(): Promise<EventStore<E>> {
  const { createInMemoryEventStore } = await import('@tally/eventstore/testing');
  return createInMemoryEventStore<E>();
}

interface Comparable {
  readonly type: string;
  readonly data: unknown;
  readonly tags: readonly string[];
}

/** What `then` compares of an event: type, data as JSON stores it, tags as a sorted set. */
function comparable(event: StoredEvent<EventShape> | ExpectedEvent<EventShape>): Comparable {
  return {
    type: event.type,
    data: event.data === undefined ? undefined : (JSON.parse(JSON.stringify(event.data)) as unknown),
    tags: [...new Set(event.tags ?? [])].sort(),
  };
}

function difference(want: readonly Comparable[], got: readonly Comparable[]): string {
  if (want.length !== got.length) return `expected ${count(want.length)}, but it appended ${got.length === 0 ? 'none' : list(got)}`;
  const i = want.findIndex((w, k) => !isDeepStrictEqual(w, got[k]));
  const w = want[i]!;
  const g = got[i]!;
  const what = w.type !== g.type ? 'type' : !isDeepStrictEqual(w.data, g.data) ? 'data' : 'tags';
  return `event ${i + 1} of ${want.length} differs in its ${what}:\n  expected ${show(w)}\n  actual   ${show(g)}`;
}

function failure(label: string, message: string, expected: unknown, actual: unknown): DecisionSpecError {
  return new DecisionSpecError(`${label}: ${message}`, expected, actual, actual instanceof Error ? { cause: actual } : {});
}

function threw(error: unknown): string {
  if (error instanceof DecisionRejectedError) return `the command was rejected: ${error.reason} (data ${show(error.data)})`;
  return error instanceof Error ? `it threw ${error.name}: ${error.message}` : `it threw ${show(error)}`;
}

const count = (n: number) => (n === 1 ? '1 event' : `${n} events`);
const list = (events: readonly Comparable[]) => `${count(events.length)}: ${events.map(show).join(', ')}`;

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
