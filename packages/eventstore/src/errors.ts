/** Base class of every error `@tally/eventstore` throws; `code` is stable and meant for programs. */
export class EventStoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Codes of {@link InvalidEventError}. */
export type InvalidEventCode =
  | 'EMPTY_APPEND'
  | 'INVALID_EVENT'
  | 'INVALID_EVENT_TYPE'
  | 'INVALID_EVENT_DATA'
  | 'INVALID_EVENT_ID'
  | 'INVALID_TAG'
  | 'INVALID_METADATA'
  | 'EVENT_TOO_LARGE';

/** An event given to `append` cannot be stored as it is. Nothing was written. */
export class InvalidEventError extends EventStoreError {
  declare readonly code: InvalidEventCode;
  constructor(
    code: InvalidEventCode,
    message: string,
    /** Index of the offending event in the batch, when there is one. */
    readonly index?: number,
    /** Path inside the event, e.g. `data.items[2].price`. */
    readonly path?: string,
  ) {
    super(code, message);
  }
}

/** Codes of {@link InvalidQueryError}. */
export type InvalidQueryCode = 'INVALID_QUERY' | 'EMPTY_QUERY_ITEM' | 'INVALID_CONDITION' | 'INVALID_HEAD' | 'INVALID_OPTION';

/** A query, condition or option is malformed. Nothing was read or written. */
export class InvalidQueryError extends EventStoreError {
  declare readonly code: InvalidQueryCode;
  constructor(code: InvalidQueryCode, message: string, readonly path?: string) {
    super(code, message);
  }
}

/** The append condition failed: an event matching the condition's query appeared since the read. Nothing was written. */
export class AppendConditionError extends EventStoreError {
  declare readonly code: 'APPEND_CONDITION_FAILED';
  constructor(readonly condition: { readonly query: readonly unknown[]; readonly after?: string | undefined }) {
    super(
      'APPEND_CONDITION_FAILED',
      condition.after === undefined
        ? 'Append refused: an event matching the condition query already exists'
        : 'Append refused: an event matching the condition query was appended after the read it was based on',
    );
  }
}

/** An event id is already stored with different content (or a retried batch only partly matches). Nothing was written. */
export class EventIdConflictError extends EventStoreError {
  declare readonly code: 'EVENT_ID_CONFLICT';
  constructor(readonly eventId: string) {
    super(
      'EVENT_ID_CONFLICT',
      `Event id ${eventId} is already stored with different content, or the batch reuses stored ids alongside new ones`,
    );
  }
}

/** The store was closed; create a new one. */
export class StoreClosedError extends EventStoreError {
  declare readonly code: 'STORE_CLOSED';
  constructor() {
    super('STORE_CLOSED', 'The event store is closed');
  }
}

/** The database could not be reached or refused the connection (down, wrong address, wrong credentials, no such database). */
export class DatabaseUnavailableError extends EventStoreError {
  declare readonly code: 'DATABASE_UNAVAILABLE';
  constructor(message: string, options: { cause: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
  }
}

/** The store cannot work with the arguments it was created with (e.g. an invalid schema name). */
export class ConfigurationError extends EventStoreError {
  declare readonly code: 'INVALID_CONFIGURATION';
  constructor(message: string) {
    super('INVALID_CONFIGURATION', message);
  }
}

/** A conditional append inside a caller's REPEATABLE READ transaction cannot be checked exactly. */
export class UnsupportedIsolationError extends EventStoreError {
  declare readonly code: 'UNSUPPORTED_ISOLATION';
  constructor() {
    super(
      'UNSUPPORTED_ISOLATION',
      'A conditional append needs READ COMMITTED or SERIALIZABLE isolation; the transaction is REPEATABLE READ',
    );
  }
}

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);
const connectionSqlStates = new Set(['28000', '28P01', '3D000', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

/** Turns a driver error that means "no database here" into a {@link DatabaseUnavailableError}; returns anything else as it is. */
export function classifyDatabaseError(error: unknown): unknown {
  if (error instanceof EventStoreError || typeof error !== 'object' || error === null) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && (connectionErrorCodes.has(code) || connectionSqlStates.has(code))) {
    return new DatabaseUnavailableError(`Cannot use the database: ${message}`, { cause: error });
  }
  if (/Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(message)) {
    return new DatabaseUnavailableError(`Cannot use the database: ${message}`, { cause: error });
  }
  return error;
}
