import type { Horizon } from '@tally/eventstore';
import { formatCheckpoint } from './checkpoint.js';
import type { EventStreamEventMap, StallInfo } from './types.js';

/** What the monitor reports. */
export interface StallCallbacks {
  onStall(info: StallInfo): void;
  onStallEnded(info: EventStreamEventMap['stall-ended'][0]): void;
}

/**
 * Watches the store's horizon while a stream has subscriptions: when committed events wait behind it and it
 * has not moved for `thresholdMs`, reports a stall once, with the transactions holding it; reports its end
 * when the horizon moves again. Failed checks are ignored (the subscriptions report database trouble).
 */
export class StallMonitor {
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #last: bigint | undefined;
  #waitingSince: number | undefined;
  #reported = false;
  #stopped = false;

  constructor(
    private readonly horizon: () => Promise<Horizon>,
    private readonly thresholdMs: number,
    private readonly callbacks: StallCallbacks,
  ) {}

  start(): void {
    if (this.thresholdMs === 0 || this.#timer || this.#stopped) return;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#checking;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const intervalMs = Math.max(50, Math.min(1000, Math.floor(this.thresholdMs / 4)));
    this.#timer = setTimeout(() => {
      this.#checking = this.#check().finally(() => {
        this.#checking = undefined;
        this.#schedule();
      });
    }, intervalMs);
    this.#timer.unref();
  }

  async #check(): Promise<void> {
    let horizon: Horizon;
    try {
      horizon = await this.horizon();
    } catch {
      return;
    }
    const now = performance.now();
    const at = horizon.settled.transactionId;
    const moved = this.#last === undefined || at > this.#last;
    this.#last = at;
    if (moved || horizon.unsettledEvents === 0) {
      if (this.#reported) this.callbacks.onStallEnded({ horizon: formatCheckpoint(horizon.settled), stalledForMs: now - this.#waitingSince! });
      this.#reported = false;
      this.#waitingSince = horizon.unsettledEvents === 0 ? undefined : now;
      return;
    }
    this.#waitingSince ??= now;
    const stalledForMs = now - this.#waitingSince;
    if (!this.#reported && stalledForMs >= this.thresholdMs) {
      this.#reported = true;
      this.callbacks.onStall({
        horizon: formatCheckpoint(horizon.settled),
        blockers: horizon.blockers,
        unsettledEvents: horizon.unsettledEvents,
        stalledForMs,
      });
    }
  }
}
