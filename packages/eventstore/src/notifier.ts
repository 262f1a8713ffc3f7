import { setTimeout as sleep } from 'node:timers/promises';
import type { StatementRunner } from './sql/runner.js';

/** The notifier's time: a monotonic clock in milliseconds and a way to wait on it (injected by its unit test). */
export interface NotifierClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: NotifierClock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

/**
 * Sends `NOTIFY channel, '<position>'` after appends have committed, coalesced: while one notification is in
 * flight, or less than `intervalMs` after the last one, later appends only raise the position the next one
 * will carry. After a quiet spell the first append is announced at once; under load there is one NOTIFY per
 * interval instead of one per append (each is one more statement beside the appends: one client appending in
 * a loop measured a quarter slower with a NOTIFY after every append). A notification lost here (a crash
 * between commit and notify) costs listeners one poll interval, never an event.
 */
export class CoalescingNotifier {
  #pending: bigint | undefined;
  #flushing: Promise<void> | undefined;
  #lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly run: StatementRunner,
    private readonly channel: string,
    private readonly intervalMs: number,
    private readonly clock: NotifierClock = realClock,
  ) {}

  notify(position: bigint): void {
    if (this.#pending === undefined || position > this.#pending) this.#pending = position;
    this.#flushing ??= this.#flush();
  }

  /** Resolves once every requested notification has been sent (or has failed). */
  async drain(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#pending !== undefined) {
        // A timer can fire up to a millisecond early on this clock: sleep again for what is left.
        let wait: number;
        while ((wait = this.#lastSentAt + this.intervalMs - this.clock.now()) > 0) await this.clock.sleep(wait);
        const position = this.#pending;
        this.#pending = undefined;
        this.#lastSentAt = this.clock.now();
        try {
          await this.run('SELECT pg_notify($1, $2)', [this.channel, position.toString()], 'tally_notify');
        } catch {
          // A hint only: listeners poll, so a failed notification is not an error for the appender.
        }
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
