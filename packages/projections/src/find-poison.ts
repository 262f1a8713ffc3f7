import { ProjectionHandlerError } from './errors.js';

/** What {@link findPoison} needs of a runner: batches of a given size from its checkpoint. */
export interface PoisonSearch {
  /**
   * Applies (handles and commits, checkpoint included) the next `limit` events from the checkpoint, or throws
   * the handler's {@link ProjectionHandlerError}. 'moved': the checkpoint is no longer this runner's to move.
   */
  batch(limit: number): Promise<'applied' | 'moved'>;
}

/**
 * After a batch of `size` events kept failing: finds the first event the handler fails on alone, by halving.
 * The events before it are applied on the way, each once (every half that succeeds commits with its checkpoint,
 * and is never read again). Returns the error of that event alone (its `position` is the event's), or
 * 'recovered' when it did not fail alone (a failure that went away), or 'moved'. Other errors are thrown.
 * Costs about log2(size) batches; a handler that hangs costs a handler timeout for each of them.
 */
export async function findPoison(search: PoisonSearch, size: number): Promise<ProjectionHandlerError | 'recovered' | 'moved'> {
  let suspect = Math.max(1, size);
  while (suspect > 1) {
    const half = Math.ceil(suspect / 2);
    try {
      if ((await search.batch(half)) === 'moved') return 'moved';
      suspect -= half;
    } catch (error) {
      if (!(error instanceof ProjectionHandlerError)) throw error;
      suspect = half;
    }
  }
  try {
    return (await search.batch(1)) === 'moved' ? 'moved' : 'recovered';
  } catch (error) {
    if (!(error instanceof ProjectionHandlerError)) throw error;
    return error;
  }
}
