import type { QueryItemShape } from '../query-filter.js';
import type { CodecIo, CodecStage, DecodingEvent, EncodingEvent, MaybePromise } from './codec-types.js';

/**
 * The store's one codec: its stages in order. `encode` runs them in order on an append's batch, `decode` in
 * reverse order on what a read returns, `encodeQuery` in order on a query. A codec without a stage for a
 * direction is `undefined` there, so the hot paths test one field and skip it: no await, no copy. `decode`
 * stays synchronous while its stages answer synchronously (the version stage does): a read awaits only a
 * stage that needs I/O.
 */
export class EventCodec {
  readonly stages: readonly CodecStage[];
  /** Runs the encode stages, or `undefined` when none has one; synchronous while its stages answer at once. */
  readonly encode: ((events: readonly EncodingEvent[], io: CodecIo) => MaybePromise<readonly EncodingEvent[]>) | undefined;
  /** Runs the decode stages (reverse order), or `undefined` when none has one. */
  readonly decode: (<T extends DecodingEvent>(events: readonly T[], io: CodecIo) => MaybePromise<readonly T[]>) | undefined;
  /** Maps a query to the stored shape, or `undefined` when no stage changes queries. */
  readonly encodeQuery: ((query: readonly QueryItemShape[]) => readonly QueryItemShape[]) | undefined;

  constructor(stages: readonly CodecStage[]) {
    this.stages = stages;
    const encoders = stages.flatMap((stage) => (stage.encode ? [stage.encode] : []));
    const decoders = stages.flatMap((stage) => (stage.decode ? [stage.decode] : [])).reverse();
    const queryEncoders = stages.flatMap((stage) => (stage.encodeQuery ? [stage.encodeQuery] : []));
    this.encode = encoders.length === 0 ? undefined : (events, io) => runStages(encoders, events, io);
    // Stages return events of the shape they were given (the store's own event objects, spread with new fields);
    // the type parameter only carries the caller's static view of them.
    this.decode =
      decoders.length === 0 ? undefined : <T extends DecodingEvent>(events: readonly T[], io: CodecIo) => runStages(decoders, events, io) as MaybePromise<readonly T[]>;
    this.encodeQuery =
      queryEncoders.length === 0
        ? undefined
        : (query) => {
            let mapped = query;
            for (const encodeQuery of queryEncoders) mapped = encodeQuery(mapped);
            return mapped;
          };
  }
}

/**
 * `batch` through `stages` in order from `start`, awaiting only a stage that returns a promise: on the hot paths
 * (an append whose keys are at hand, a read of current events) no promise is made.
 */
function runStages<B>(stages: readonly ((batch: B, io: CodecIo) => MaybePromise<B>)[], batch: B, io: CodecIo, start = 0): MaybePromise<B> {
  for (let i = start; i < stages.length; i++) {
    const result = stages[i]!(batch, io);
    if (result instanceof Promise) return result.then((next) => runStages(stages, next, io, i + 1));
    batch = result;
  }
  return batch;
}

/** The codec with no stage: every direction is identity. */
export const identityCodec = new EventCodec([]);
