/** The waits of a projection runner (between polls, before retries): cut short by `wake()` or by `stop()`. */
export class WakeableSleep {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;

  /** True once `stop()` was called. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Hint: new events may be there. */
  wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  /** Ends the wait in progress, and makes every later one return at once. */
  stop(): void {
    this.stopped = true;
    this.wakeUp?.();
  }

  /** Waits `ms`, or less if woken up (unless not `wakeable`) or stopped. */
  sleep(ms: number, wakeable = true): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (wakeable && this.pendingWake) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const wakeUp = () => {
        if (wakeable) this.pendingWake = false;
        else if (!this.stopped) return;
        done();
      };
      // Whichever ends the wait, it is no longer the one `wake()` reaches: a wait that ran out must not swallow
      // the next wake-up (it would clear `pendingWake`, and the next wait would run its full length).
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === wakeUp) this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = wakeUp;
    });
  }
}
