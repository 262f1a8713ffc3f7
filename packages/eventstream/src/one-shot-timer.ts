/** A timer that is pending at most once at a time: until it fires, or is cleared. */
export class OneShotTimer {
  #timer: NodeJS.Timeout | undefined;

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Calls `fire` after `ms`, instead of any call pending. */
  set(ms: number, fire: () => void): void {
    this.clear();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      fire();
    }, ms);
  }

  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
