import { ConfigurationError, DatabaseError, DatabaseTimeoutError, DatabaseUnavailableError, EventStoreError, InvalidEventError, InvalidQueryError, TransactionTooOldError, type DatabaseTimeoutSqlState } from './errors.js';

/** What the failing call was doing, so a database error can be told apart as bad event or bad query. */
export type DatabaseOperation = 'append' | 'read';

const connectionErrorCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Auth failures, no such database, too many clients, the server shutting down or ending the backend. Class 08 (connection exception) is matched as a class. */
const connectionSqlStates = new Set(['28000', '28P01', '3D000', '53300', '57P01', '57P02', '57P03', '57P04']);
const connectionMessages =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Client was closed|connection error/i;
const timeoutSqlStates = new Set<string>(['57014', '55P03', '25P03']);
/** A SQLSTATE: five characters of 0-9/A-Z. Node's errno codes (`EPIPE`) have the shape too, but no digit. */
const sqlStatePattern = /^[0-9A-Z]{5}$/;

interface DriverErrorFields {
  readonly code?: unknown;
  readonly detail?: unknown;
  readonly severity?: unknown;
}

function isSqlState(code: unknown, error: DriverErrorFields): code is string {
  return typeof code === 'string' && sqlStatePattern.test(code) && (/\d/.test(code) || typeof error.severity === 'string');
}

/** The transaction id in a `TLY03` DETAIL such as `transaction 1234 …` or `transaction_id=1234`. */
function transactionIdOf(detail: unknown): bigint | undefined {
  if (typeof detail !== 'string') return undefined;
  const match = /\btransaction(?:[ _]id)?\s*[=:]?\s*(\d{1,20})\b/i.exec(detail);
  return match ? BigInt(match[1]!) : undefined;
}

/**
 * Turns an error from the driver into the store's typed errors, keeping the original as `cause`:
 * connection failures and losses become {@link DatabaseUnavailableError}; timeouts {@link DatabaseTimeoutError};
 * `TLY03` {@link TransactionTooOldError}; `TLY04` an `INVALID_HEAD`; input the database still refused (index
 * row too large, nesting too deep, a value out of range) an {@link InvalidEventError} or {@link InvalidQueryError};
 * any other error with a SQLSTATE a {@link DatabaseError}. Errors of the store itself, and errors that come
 * neither from the database nor from the connection, are returned as they are.
 * @param operation what the failing call did; without it, input errors the database raised are `DATABASE_ERROR`.
 */
export function classifyDatabaseError(error: unknown, operation?: DatabaseOperation): unknown {
  if (error instanceof EventStoreError || typeof error !== 'object' || error === null) return error;
  const fields = error as DriverErrorFields;
  const code = fields.code;
  const message = error instanceof Error ? error.message : String(error);
  const cause = { cause: error };

  if (
    (typeof code === 'string' && (connectionErrorCodes.has(code) || connectionSqlStates.has(code) || /^08[0-9A-Z]{3}$/.test(code))) ||
    (!isSqlState(code, fields) && connectionMessages.test(message))
  ) {
    const advice =
      operation === 'append'
        ? '. The append may have been committed before the connection was lost: retry it with the same event ids ' +
          '(a retry of stored events returns their positions with duplicate: true)'
        : '';
    return new DatabaseUnavailableError(`Cannot use the database: ${message}${advice}`, cause);
  }
  if (!isSqlState(code, fields)) return error;

  if (code === 'TLY03') {
    const transactionId = transactionIdOf(fields.detail);
    return new TransactionTooOldError(transactionId === undefined ? cause : { transactionId, cause: error });
  }
  if (code === 'TLY04') {
    return new InvalidQueryError('INVALID_HEAD', `condition.after is not a head of this store: ${message}`, 'condition.after', cause);
  }
  if (timeoutSqlStates.has(code)) return new DatabaseTimeoutError(code as DatabaseTimeoutSqlState, cause);
  if (/\bpg_snapshot\b/.test(message) && code.startsWith('22')) {
    return new InvalidQueryError('INVALID_HEAD', `condition.after is not a head returned by read(): ${message}`, 'condition.after', cause);
  }
  if (code === '22023' && /channel name/i.test(message)) {
    return new ConfigurationError(`The NOTIFY channel is not accepted by the database: ${message}`, cause);
  }
  if (code === '22003') {
    return new InvalidQueryError('INVALID_OPTION', `A number is out of the database's range (positions are 64-bit): ${message}`, undefined, cause);
  }
  if (operation === 'append') {
    if (code === '54000') return new InvalidEventError('EVENT_TOO_LARGE', `The database cannot store the event: ${message}`, undefined, undefined, cause);
    if (code === '54001') return new InvalidEventError('INVALID_EVENT_DATA', `The database cannot process the event (nested too deep): ${message}`, undefined, undefined, cause);
    if (code === '22P02' || code === '22023') return new InvalidEventError('INVALID_EVENT', `The database refused the event: ${message}`, undefined, undefined, cause);
  }
  if (operation === 'read' && (code === '54000' || code === '54001' || code === '22P02' || code === '22023')) {
    return new InvalidQueryError('INVALID_QUERY', `The database refused the query: ${message}`, undefined, cause);
  }
  return new DatabaseError(code, `The database reported an error (SQLSTATE ${code}): ${message}`, cause);
}
