import type { SettledCheckpoint } from './types.js';

/** Options of `store.verify()`: which events to check, and the chain head recorded outside the database. */
export interface VerifyOptions {
  /** Lowest position to check. @defaultValue 0 (from the first event) */
  readonly from?: bigint;
  /** Highest position to check. @defaultValue every sealed event */
  readonly to?: bigint;
  /**
   * A `head` that `seal()` or `verify()` returned earlier and that was kept outside the database (a log, a
   * ticket, another system): verify fails unless the seal it names still has that chain value. Without an
   * anchor, someone who rewrites the events and recomputes every seal after them cannot be caught.
   */
  readonly expectedHead?: string;
}

/**
 * What `verify()` found wrong first, in the chain's order:
 * - `altered`: the event at `firstBroken` is not what was sealed (its data, tags, metadata, type, id or time);
 * - `missing`: the sealed event at `firstBroken` is not where the seals have it (deleted, or moved elsewhere in
 *   the order, e.g. by a changed transaction id);
 * - `unsealed-event`: an event inside the sealed part of the log that no seal holds (inserted later);
 * - `seal`: a seal's chain value does not follow from the seal before it (a seal was edited or deleted):
 *   `firstBroken` is the first event after the last seal that checks out;
 * - `head`: the seal named by `expectedHead` is gone or has another chain value (events and seals rewritten, or
 *   the newest dropped): `firstBroken` is that seal's first event, or the first event after the seals left.
 */
export type VerifyProblem = 'altered' | 'missing' | 'unsealed-event' | 'seal' | 'head';

/** What `verify()` checked and found. */
export interface VerifyResult {
  /** True when every sealed event of the range is the one sealed, the seals chain up, and `expectedHead` holds. */
  readonly ok: boolean;
  /** Sealed events of the range compared with their seals. */
  readonly checked: number;
  /** The position of the first event found broken (see {@link VerifyProblem}), when there is one to name. */
  readonly firstBroken?: bigint;
  readonly problem?: VerifyProblem;
  /**
   * The chain head: `<seal number>:<chain value in hex>` of the last seal (none before the first `seal()`).
   * Record it outside the database and give it back as `expectedHead` later.
   */
  readonly head?: string;
  /** The last sealed event (in settled order): events after it are not sealed yet. */
  readonly sealedThrough?: SettledCheckpoint;
  /** Events of the range after `sealedThrough`, not checked because not sealed yet. */
  readonly unsealed: number;
}

/** What `store.seal()` did. */
export interface SealResult {
  /** Events sealed by this call (0 when another process had sealed them, or nothing new had settled). */
  readonly sealed: number;
  /** The chain head after the call (see {@link VerifyResult.head}); none while nothing is sealed. */
  readonly head?: string;
  /** The last sealed event, in settled order. */
  readonly sealedThrough?: SettledCheckpoint;
}
