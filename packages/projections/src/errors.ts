/** Base class of every error `@tally/projections` throws; `code` is stable and meant for programs. */
export class ProjectionError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Invalid options or projection definitions. */
export class ConfigurationError extends ProjectionError {
  constructor(message: string) {
    super('CONFIGURATION', message);
  }
}

/** `rebuild`/`status` named a projection the projector does not know. */
export class UnknownProjectionError extends ProjectionError {
  constructor(readonly projection: string) {
    super('UNKNOWN_PROJECTION', `no projection named "${projection}"`);
  }
}

/** The checkpoint moved under a batch (another worker or a rebuild): the batch was rolled back. */
export class CheckpointMovedError extends ProjectionError {
  constructor(readonly projection: string) {
    super('CHECKPOINT_MOVED', `checkpoint of "${projection}" moved under the batch; rolled back`);
  }
}

/** A projection's handler threw; the batch was rolled back. */
export class ProjectionHandlerError extends ProjectionError {
  constructor(
    readonly projection: string,
    /** Position of the first event of the failed batch. */
    readonly position: bigint,
    cause: unknown,
  ) {
    super('HANDLER_FAILED', `projection "${projection}" failed at position ${position}: ${coerceError(cause).message}`, { cause });
  }
}

/** `waitForCatchUp` gave up: a projection failed, or did not reach the target within the time allowed. */
export class CatchUpError extends ProjectionError {
  constructor(
    readonly projection: string,
    message: string,
  ) {
    super('CATCH_UP_FAILED', message);
  }
}

/** The projector was stopped. */
export class ProjectorStoppedError extends ProjectionError {
  constructor() {
    super('STOPPED', 'the projector is stopped');
  }
}

/** Turns anything thrown into an `Error` (the original as `cause` when it was not one). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), { cause: value });
}
