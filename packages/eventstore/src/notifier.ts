import type { StatementRunner } from './sql/runner.js';

/**
 * Sends `NOTIFY channel, '<position>'` after appends have committed, coalesced: while one notification is
 * in flight, later appends only raise the position the next one will carry. A notification lost here (a
 * crash between commit and notify) costs listeners one poll interval, never an event.
 */
export class CoalescingNotifier {
  #pending: bigint | undefined;
  #flushing: Promise<void> | undefined;

  constructor(
    private readonly run: StatementRunner,
    private readonly channel: string,
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
        const position = this.#pending;
        this.#pending = undefined;
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
