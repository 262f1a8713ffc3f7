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
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        if (wakeable) this.pendingWake = false;
        else if (!this.stopped) return;
        this.wakeUp = undefined;
        done();
      };
    });
  }
}
