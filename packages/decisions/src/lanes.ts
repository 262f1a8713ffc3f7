import type { Head } from '@tally/eventstore';

/** What the last command of a lane left for the next one: its state after its own events, and the head to guard with. */
export interface Carried<State> {
  readonly state: State;
  readonly head: Head;
}

/** One key's queue: its commands run one after another. */
export interface Lane {
  carried: Carried<unknown> | undefined;
}

/** Runs `work` now; what it throws before returning its promise becomes that promise's rejection. */
function start<T>(work: (lane: Lane) => Promise<T>, lane: Lane): Promise<T> {
  try {
    return work(lane);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * In-process serialisation per key (a decision and the events it reads): concurrent commands on one key wait
 * for each other instead of racing to the same append and failing it, and each starts from the state and head
 * the previous one left, without reading again. The carried state lives only while commands are queued: an
 * idle key keeps nothing (another process may have moved on), and a carried head that is out of date only
 * costs a conflict and a read.
 */
export class Lanes {
  readonly #lanes = new Map<string, { lane: Lane; tail: Promise<void>; queued: number }>();

  run<T>(key: string, work: (lane: Lane) => Promise<T>): Promise<T> {
    let entry = this.#lanes.get(key);
    if (!entry) {
      entry = { lane: { carried: undefined }, tail: Promise.resolve(), queued: 0 };
      this.#lanes.set(key, entry);
    }
    const current = entry;
    current.queued += 1;
    // An idle key starts at once; a busy one after the command before it.
    const started = current.queued === 1 ? start(work, current.lane) : current.tail.then(() => work(current.lane));
    // The lane is dropped before the caller sees the result when nothing else is queued: an idle key keeps nothing.
    const result = started.finally(() => {
      current.queued -= 1;
      if (current.queued === 0 && this.#lanes.get(key) === current) this.#lanes.delete(key);
    });
    current.tail = result.then(
      () => {},
      () => {},
    );
    return result;
  }

  /** Keys with commands queued or running (for tests and metrics). */
  get size(): number {
    return this.#lanes.size;
  }
}
