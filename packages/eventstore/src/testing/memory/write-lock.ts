import { DatabaseTimeoutError } from '../../errors.js';

/**
 * The memory store's one write lock. A plain append holds it for a synchronous moment; a transaction from its
 * first append (or `lockCondition`) until it ends, so events commit in position order and no event can ever
 * appear behind one a reader has seen. Waiters are served first come, first served.
 */
export class WriteLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  /** Takes the lock if it is free. */
  tryAcquire(): boolean {
    if (this.#held) return false;
    this.#held = true;
    return true;
  }

  /**
   * Waits for the lock, at most `timeoutMs` (0: forever).
   * @throws {DatabaseTimeoutError} 55P03, like PostgreSQL's `lock_timeout`, when it waited longer
   */
  acquire(timeoutMs: number): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = () => {
        if (timer !== undefined) clearTimeout(timer);
        resolve();
      };
      this.#waiters.push(grant);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const index = this.#waiters.indexOf(grant);
          if (index >= 0) this.#waiters.splice(index, 1);
          const cause = new Error(
            `the memory store waited ${timeoutMs} ms (option lockTimeoutMs) for a transaction that appended or called ` +
              'lockCondition to end; if that transaction is waiting for this call, it never will',
          );
          reject(new DatabaseTimeoutError('55P03', { cause }));
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  /** Hands the lock to the next waiter, or frees it. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#held = false;
  }
}
