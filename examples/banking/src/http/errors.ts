import { DatabaseUnavailableError } from '@tally/eventstore';
import type { FastifyError } from 'fastify';
import { BankError, type BankErrorCode } from '../domain/errors.js';

/** The body of every error response. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

const statusOf: Record<BankErrorCode, number> = {
  INVALID_INPUT: 400,
  ACCOUNT_NOT_FOUND: 404,
  DUPLICATE_CUSTOMER_NAME: 409,
  INSUFFICIENT_FUNDS: 409,
  BALANCE_LIMIT_EXCEEDED: 409,
  ACCOUNT_CLOSED: 409,
  CURRENCY_MISMATCH: 409,
  BALANCE_NOT_ZERO: 409,
  OPERATION_ID_REUSED: 409,
  CONCURRENCY_CONFLICT: 409,
};

const isFastifyError = (error: unknown): error is FastifyError =>
  error instanceof Error && typeof (error as Partial<FastifyError>).statusCode === 'number';

/**
 * Maps anything a route threw to a status and the common error body. Unexpected errors become a bare 500:
 * their message may hold internals, so it goes to the log only.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof BankError) {
    const details = Object.keys(error.details).length > 0 ? { details: error.details } : {};
    return { status: statusOf[error.code], body: { error: { code: error.code, message: error.message, ...details } }, unexpected: false };
  }
  if (isFastifyError(error) && error.validation) {
    const details = error.validation.map((issue) => ({ path: `${error.validationContext ?? ''}${issue.instancePath}`, message: issue.message ?? 'invalid' }));
    return { status: 400, body: { error: { code: 'INVALID_INPUT', message: error.message, details } }, unexpected: false };
  }
  if (isFastifyError(error) && error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Malformed JSON, wrong content type, body too large…
    return { status: error.statusCode, body: { error: { code: 'BAD_REQUEST', message: error.message } }, unexpected: false };
  }
  if (error instanceof DatabaseUnavailableError) {
    return { status: 503, body: { error: { code: error.code, message: 'the database is unavailable; retry later' } }, unexpected: true };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } }, unexpected: true };
}
