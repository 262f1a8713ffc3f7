import type { SealResult } from '@tally/eventstore';
import type { ProjectorLogger } from './logger.js';

/** Every `intervalMs`, `store.seal()`: the store's events are sealed for `verify()` behind the appends. */
export class SealLoop {
  #timer: NodeJS.Timeout | undefined;
  #sealing: Promise<void> = Promise.resolve();
  #running = false;

  constructor(
    private readonly store: { seal(): Promise<SealResult> },
    private readonly intervalMs: number,
    private readonly logger: ProjectorLogger,
    private readonly workerId: string,
  ) {}

  /**
   * Starts sealing: one call now, then one `intervalMs` after each call ends. Workers of a deployment all seal;
   * they queue on the store's seal lock and each event is sealed once. Each call that sealed events logs the
   * chain head (`head`) at info: kept outside the database (the logs), it is what `verify({ expectedHead })`
   * checks the chain against. Failures are logged and the next call comes at the next interval.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Stops the loop and waits for a call in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#sealing;
  }

  #schedule(delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#sealing = this.#sealOnce().finally(() => {
        if (this.#running) this.#schedule(this.intervalMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  async #sealOnce(): Promise<void> {
    try {
      const { sealed, head, sealedThrough } = await this.store.seal();
      if (sealed > 0) {
        this.logger.info({ workerId: this.workerId, sealed, head, sealedThroughPosition: sealedThrough?.position.toString() }, 'events sealed');
      }
    } catch (error) {
      if (this.#running) this.logger.warn({ workerId: this.workerId, err: error }, 'sealing events failed; trying again at the next interval');
    }
  }
}
