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

/** Codes of {@link InvalidQueryError}. */
export type InvalidQueryCode = 'INVALID_QUERY' | 'EMPTY_QUERY_ITEM' | 'INVALID_CONDITION' | 'INVALID_HEAD' | 'INVALID_OPTION';

/**
 * Every `code` an {@link EventStoreError} can carry. A literal union, so that comparing `error.code` with a
 * misspelt code (`'APPEND_CONDITON_FAILED'`) does not compile.
 */
export type EventStoreErrorCode =
  | InvalidEventCode
  | InvalidQueryCode
  | 'APPEND_CONDITION_FAILED'
  | 'EVENT_ID_CONFLICT'
  | 'TRANSACTION_TOO_OLD'
  | 'STORE_CLOSED'
  | 'DATABASE_UNAVAILABLE'
  | 'DATABASE_TIMEOUT'
  | 'DATABASE_ERROR'
  | 'INVALID_CONFIGURATION'
  | 'UNSUPPORTED_ISOLATION'
  | EventVersionCode
  | 'SUBJECT_ERASED'
  | 'INVALID_ENCRYPTION_KEY'
  | 'UNKNOWN_ENCRYPTION_KEY'
  | 'DECRYPTION_FAILED';

/** Codes of {@link EventVersionError}. */
export type EventVersionCode = 'UNKNOWN_EVENT_VERSION' | 'UPCAST_FAILED';

/** Base class of every error `@tally/eventstore` throws; `code` is stable and meant for programs. */
export class EventStoreError extends Error {
  readonly code: EventStoreErrorCode;
  constructor(code: EventStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

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
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A query, condition or option is malformed. Nothing was read or written. */
export class InvalidQueryError extends EventStoreError {
  declare readonly code: InvalidQueryCode;
  constructor(
    code: InvalidQueryCode,
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
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

/**
 * An append from a transaction that followers (subscriptions, projections, `readSettled`) have already been
 * allowed to pass: the transaction had held a transaction id for longer than `horizonGraceMs` without
 * appending, or had declared that it would not append. Its events would land behind the followers'
 * checkpoints, so the append was refused and nothing was written. Roll the transaction back and retry in a
 * new one; keep appending transactions short.
 */
export class TransactionTooOldError extends EventStoreError {
  declare readonly code: 'TRANSACTION_TOO_OLD';
  /** The refused transaction's id (`xid8`), when the database reported it. */
  readonly transactionId?: bigint;
  constructor(options: { readonly transactionId?: bigint; readonly cause?: unknown } = {}) {
    const which = options.transactionId === undefined ? 'this transaction' : `transaction ${options.transactionId}`;
    super(
      'TRANSACTION_TOO_OLD',
      `Append refused: ${which} had held a transaction id for longer than horizonGraceMs without appending ` +
        '(or had declared that it would not append), and followers have moved past it, so its events could never ' +
        'be delivered to them. Nothing was written. Roll the transaction back and retry in a new one; keep ' +
        'transactions that append short.',
      { cause: options.cause },
    );
    if (options.transactionId !== undefined) this.transactionId = options.transactionId;
  }
}

/**
 * A stored event cannot be brought to the shape this code knows: it was written with a schema version newer
 * than this code's (`UNKNOWN_EVENT_VERSION`: a newer release wrote it; deploy that release's upcasters here),
 * or one of its upcasters threw (`UPCAST_FAILED`, the upcaster's error as `cause`). The read returned nothing.
 */
export class EventVersionError extends EventStoreError {
  declare readonly code: EventVersionCode;
  constructor(
    code: EventVersionCode,
    readonly event: { readonly type: string; readonly position: bigint; readonly schemaVersion: number },
    /** The current version of the type in this code (its upcasters + 1). */
    readonly knownVersion: number,
    options?: { cause?: unknown },
  ) {
    super(
      code,
      code === 'UNKNOWN_EVENT_VERSION'
        ? `Event ${event.position} (${event.type}) was written with schema version ${event.schemaVersion}; this code knows versions up to ${knownVersion} (option upcasters)`
        : `Upcasting event ${event.position} (${event.type}) from schema version ${event.schemaVersion} to ${knownVersion} failed`,
      options,
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

/**
 * The database could not be reached, refused the connection (down, wrong address, wrong credentials, no such
 * database, too many clients), or the connection was lost (the server shut down or ended the backend, the
 * network failed), also in the middle of a caller's transaction.
 *
 * Raised by a read, it means nothing was read. Raised by an append, it does **not** always mean that nothing
 * was written: when the connection is lost after the server committed but before its answer arrived, the
 * append is stored (an in-doubt commit). The safe answer is to retry the same append with the same event ids
 * (give events an `id` to make that possible): a retry of stored events returns their positions with
 * `duplicate: true` and writes nothing twice. Inside a caller's transaction (`store.with(trx)`) the
 * transaction is lost with its connection and was not committed, unless the loss happened during the caller's
 * own `COMMIT`.
 */
export class DatabaseUnavailableError extends EventStoreError {
  declare readonly code: 'DATABASE_UNAVAILABLE';
  constructor(message: string, options: { cause: unknown }) {
    super('DATABASE_UNAVAILABLE', message, options);
  }
}

/** SQLSTATEs of {@link DatabaseTimeoutError}. */
export type DatabaseTimeoutSqlState = '57014' | '55P03' | '25P03';

const timeoutReasons: Record<DatabaseTimeoutSqlState, string> = {
  '57014':
    'The database cancelled the statement (statement_timeout, or a cancel request). The statement was rolled back: ' +
    'it wrote nothing.',
  '55P03': 'The statement waited longer than lock_timeout for a lock and was rolled back: it wrote nothing.',
  '25P03':
    'The session stayed idle in its transaction longer than idle_in_transaction_session_timeout; the server ended ' +
    'the connection and rolled the whole transaction back: none of it was written.',
};

/**
 * The database gave up on a statement or session because of a timeout: `statement_timeout` (or a cancel
 * request; SQLSTATE 57014), `lock_timeout` (55P03) or `idle_in_transaction_session_timeout` (25P03). The
 * timed-out statement was rolled back and wrote nothing. Inside a caller's transaction the transaction is
 * then aborted (57014, 55P03) or gone with its connection (25P03): roll it back; its earlier statements are
 * not committed either.
 */
export class DatabaseTimeoutError extends EventStoreError {
  declare readonly code: 'DATABASE_TIMEOUT';
  constructor(
    /** The SQLSTATE the database reported. */
    readonly sqlstate: DatabaseTimeoutSqlState,
    options: { cause?: unknown } = {},
  ) {
    const detail = options.cause instanceof Error ? ` (${options.cause.message})` : '';
    super(
      'DATABASE_TIMEOUT',
      `${timeoutReasons[sqlstate]} Inside a caller's transaction, that transaction can only be rolled back.${detail}`,
      options,
    );
  }
}

/**
 * Any other error the database reported, with its SQLSTATE: no database error reaches a caller raw. The
 * statement that failed was rolled back; inside a caller's transaction, the transaction is aborted.
 */
export class DatabaseError extends EventStoreError {
  declare readonly code: 'DATABASE_ERROR';
  constructor(
    /** The SQLSTATE the database reported, e.g. `40001`. */
    readonly sqlstate: string,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super('DATABASE_ERROR', message, options);
  }
}

/** The store cannot work with the arguments it was created with (e.g. an invalid schema name). */
export class ConfigurationError extends EventStoreError {
  declare readonly code: 'INVALID_CONFIGURATION';
  constructor(message: string, options?: { cause?: unknown }) {
    super('INVALID_CONFIGURATION', message, options);
  }
}

/** A conditional append inside a caller's REPEATABLE READ transaction cannot be checked exactly. */
export class UnsupportedIsolationError extends EventStoreError {
  declare readonly code: 'UNSUPPORTED_ISOLATION';
  constructor(operation: 'conditional-append' | 'read-settled' = 'conditional-append') {
    super(
      'UNSUPPORTED_ISOLATION',
      operation === 'conditional-append'
        ? 'A conditional append needs READ COMMITTED or SERIALIZABLE isolation; the transaction is REPEATABLE READ'
        : 'readSettled inside a caller transaction needs READ COMMITTED isolation (a transaction snapshot taken earlier could miss events it counts as settled)',
    );
  }
}
