declare const headBrand: unique symbol;

/**
 * What a read saw: pass it back as `condition.after`. Opaque, and a string, so it can be stored or sent
 * anywhere. It records the read's MVCC snapshot, so the condition check is exact even when transactions
 * commit out of position order.
 */
export type Head = string & { readonly [headBrand]: 'Head' };

export interface ReadOptions {
  /** Only events with a position greater than this. */
  readonly after?: bigint;
  /**
   * With `after`: also the events at or below `after` that the read which produced this head did not see
   * (they committed after it, out of position order). For a state folded from that read up to `after` (a
   * snapshot): the events it is missing come back too, and the new head covers all of it.
   */
  readonly alsoUnseenBy?: Head;
  /** At most this many events. */
  readonly limit?: number;
  /** Newest first. @defaultValue false */
  readonly backwards?: boolean;
}

export interface ReadResult<Ev> {
  readonly events: Ev[];
  /** Pass as `condition.after` to append only if nothing matching appeared since this read. */
  readonly head: Head;
}

export interface StreamOptions {
  /** Only events with a position greater than this. */
  readonly after?: bigint;
  /** Events fetched per round trip. @defaultValue 1000 */
  readonly batchSize?: number;
}
