import type { BatchTransaction } from './batch-transaction.js';
import { BatchAbandonedError, coerceError, HandlerTimeoutError, isConnectionLoss, ProjectionHandlerError } from './errors.js';

/** SQLSTATE of a session the server ended for idling in a transaction past `idle_in_transaction_session_timeout`. */
const idleInTransactionTimeout = '25P03';

/**
 * What a failed `handle` means: the handler's failure (counted towards `maxAttempts`) when it threw or ran past
 * its time — on the client's timer or the server's idle-in-transaction timeout — but not when the connection
 * was lost under it or the batch was abandoned (a restart, a killed session, a stop): those are retried.
 */
export function handlerFailure(name: string, error: unknown, batch: BatchTransaction, position: bigint): Error {
  if (error instanceof HandlerTimeoutError) return new ProjectionHandlerError(name, position, error);
  if (error instanceof BatchAbandonedError) return error;
  const lost = batch.lost ?? (isConnectionLoss(error) ? coerceError(error) : undefined);
  const code = (lost as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown } | null)?.code;
  if (code === idleInTransactionTimeout) return new ProjectionHandlerError(name, position, new HandlerTimeoutError(batch.timeoutMs, { cause: lost ?? error }));
  if (lost) return new BatchAbandonedError(name, `connection lost: ${lost.message}`, { cause: lost });
  return new ProjectionHandlerError(name, position, error);
}
