import type { Horizon } from '@tally/eventstore';

/**
 * Every `code` a {@link ProjectionError} can carry. A literal union, so that comparing `error.code` with a
 * misspelt code does not compile.
 */
export type ProjectionErrorCode =
  | 'INVALID_CONFIGURATION'
  | 'UNKNOWN_PROJECTION'
  | 'CHECKPOINT_MOVED'
  | 'HANDLER_FAILED'
  | 'HANDLER_TIMEOUT'
  | 'BATCH_ABANDONED'
  | 'CATCH_UP_FAILED'
  | 'PROJECTOR_STOPPED'
  | 'PARKED_EVENT_NOT_FOUND'
  | 'INVALID_REQUEST'
  | 'NOT_FOUND'
  | 'CONSOLE_READ_ONLY'
  | 'ADMIN_TOKEN_INVALID';

/** Base class of every error `@tally/projections` throws; `code` is stable and meant for programs. */
export class ProjectionError extends Error {
  readonly code: ProjectionErrorCode;
  constructor(code: ProjectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Invalid options or projection definitions (the code is the store's, `INVALID_CONFIGURATION`). Nothing was started. */
export class ConfigurationError extends ProjectionError {
  declare readonly code: 'INVALID_CONFIGURATION';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_CONFIGURATION', message, options);
  }
}

/** `rebuild`/`status` named a projection the projector does not know. */
export class UnknownProjectionError extends ProjectionError {
  declare readonly code: 'UNKNOWN_PROJECTION';
  constructor(readonly projection: string) {
    super('UNKNOWN_PROJECTION', `no projection named "${projection}"`);
  }
}

/** The checkpoint moved under a batch (another worker or a rebuild): the batch was rolled back. */
export class CheckpointMovedError extends ProjectionError {
  declare readonly code: 'CHECKPOINT_MOVED';
  constructor(readonly projection: string) {
    super('CHECKPOINT_MOVED', `checkpoint of "${projection}" moved under the batch; rolled back`);
  }
}

/** A projection's handler threw; the batch was rolled back. */
export class ProjectionHandlerError extends ProjectionError {
  declare readonly code: 'HANDLER_FAILED';
  constructor(
    readonly projection: string,
    /** Position of the event the handler failed on (the first of its batch, until the batch is split). */
    readonly position: bigint,
    cause: unknown,
  ) {
    super('HANDLER_FAILED', `projection "${projection}" failed at position ${position}: ${coerceError(cause).message}`, { cause });
  }
}

/** A projection's handler did not finish within its `handlerTimeoutMs`: the batch was abandoned and rolled back. */
export class HandlerTimeoutError extends ProjectionError {
  declare readonly code: 'HANDLER_TIMEOUT';
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super('HANDLER_TIMEOUT', `handler did not finish within ${timeoutMs} ms`, options);
  }
}

/**
 * A batch was abandoned before it could commit (the projector is stopping, or its connection was lost): its
 * transaction was rolled back. Not the handler's fault, so it does not count as a failed handler attempt.
 */
export class BatchAbandonedError extends ProjectionError {
  declare readonly code: 'BATCH_ABANDONED';
  constructor(
    readonly projection: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('BATCH_ABANDONED', `batch of "${projection}" abandoned: ${reason}`, options);
  }
}

/** `waitForCatchUp` gave up: a projection failed, or did not reach the target within the time allowed. */
export class CatchUpError extends ProjectionError {
  declare readonly code: 'CATCH_UP_FAILED';
  constructor(
    readonly projection: string,
    message: string,
    /** The store's horizon when it gave up: who held back the events it waited for. */
    readonly horizon?: Horizon,
  ) {
    super('CATCH_UP_FAILED', message);
  }
}

/** `skipParked` named a position the projection has not parked (nor held). */
export class ParkedEventNotFoundError extends ProjectionError {
  declare readonly code: 'PARKED_EVENT_NOT_FOUND';
  constructor(
    readonly projection: string,
    readonly position: bigint,
  ) {
    super('PARKED_EVENT_NOT_FOUND', `projection "${projection}" has no parked event at position ${position}`);
  }
}

/** The codes of {@link ConsoleRequestError}. */
export type ConsoleRequestCode = Extract<ProjectionErrorCode, 'INVALID_REQUEST' | 'NOT_FOUND' | 'CONSOLE_READ_ONLY' | 'ADMIN_TOKEN_INVALID'>;

/**
 * A request to the projector's HTTP console or JSON API was refused: `INVALID_REQUEST` (a malformed parameter or
 * body: answered 400), `NOT_FOUND` (no such page or event: 404), `CONSOLE_READ_ONLY` (an action, and no admin token is configured: 403) or
 * `ADMIN_TOKEN_INVALID` (an action with a missing or wrong token: 403). Nothing was changed.
 */
export class ConsoleRequestError extends ProjectionError {
  declare readonly code: ConsoleRequestCode;
  constructor(
    code: ConsoleRequestCode,
    message: string,
    /** The request parameter at fault, for `INVALID_REQUEST`. */
    readonly parameter?: string,
  ) {
    super(code, message);
  }

  /** The HTTP status it is answered with. */
  get status(): 400 | 403 | 404 {
    return this.code === 'INVALID_REQUEST' ? 400 : this.code === 'NOT_FOUND' ? 404 : 403;
  }
}

/**
 * The projector was stopped (or is stopping): `start()`, `rebuild()`, `status()` and `waitForCatchUp()` refuse
 * to run, and a call still in flight when `stop()` closed the projector's connections fails with this error
 * (the connection error as `cause`). A stopped projector, or one whose `start()` failed, cannot be started
 * again: create a new one.
 */
export class ProjectorStoppedError extends ProjectionError {
  declare readonly code: 'PROJECTOR_STOPPED';
  constructor(
    /** The call that was refused, e.g. `status`. */
    readonly operation: string,
    options?: { cause?: unknown },
  ) {
    super('PROJECTOR_STOPPED', `${operation}() refused: the projector is stopped; create a new projector to run projections again`, options);
  }
}

const connectionSqlStates = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);
const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when `error` says the connection or the server went away (a restart, a failover, a killed session),
 * not that a statement failed: what was running on it is to be retried, not blamed on the handler.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (connectionSqlStates.has(code) || connectionErrorCodes.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection is closed|Client was closed|not queryable/i.test(message);
}

/** Turns anything thrown into an `Error` (the original as `cause` when it was not one). */
export function coerceError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value), { cause: value });
}
