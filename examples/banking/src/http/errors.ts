import { DatabaseUnavailableError, InvalidEventError, InvalidQueryError } from '@tally/eventstore';
import type { FastifyError } from 'fastify';
import { BankError, type BankErrorCode } from '../domain/errors.js';
import { describeInvalid, type SchemaIssue } from './validation-message.js';

/** Largest request body the API reads: 16 KiB. A larger one is refused with 413 BODY_TOO_LARGE. */
export const BODY_LIMIT_BYTES = 16 * 1024;

/** The codes of error responses that are not the bank's own refusals. */
export type HttpErrorCode = 'BAD_REQUEST' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'ROUTE_NOT_FOUND' | 'DATABASE_UNAVAILABLE' | 'INTERNAL';

/**
 * The body of every error response, whatever its status: a stable `code`, a `message` for people, and
 * `details`, an object of named values (`field` for INVALID_INPUT; the balance and amount for
 * INSUFFICIENT_FUNDS…), left out when there is nothing to add.
 */
export interface ErrorBody {
  readonly error: { readonly code: BankErrorCode | HttpErrorCode; readonly message: string; readonly details?: Readonly<Record<string, string | number>> };
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

const body = (code: ErrorBody['error']['code'], message: string, details?: Readonly<Record<string, string | number>>): ErrorBody => ({
  error: { code, message, ...(details && Object.keys(details).length > 0 ? { details } : {}) },
});

/** Fastify's own refusals of a request it could not read, in the API's words. */
function unreadable(error: FastifyError): { status: number; body: ErrorBody } | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: body('BODY_TOO_LARGE', `the request body is larger than ${BODY_LIMIT_BYTES} bytes (16 KiB), the most the API reads`) };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: body('UNSUPPORTED_MEDIA_TYPE', 'send the request body as JSON, with content-type: application/json') };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, body: body('BAD_REQUEST', 'the request body is not valid JSON') };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: body('BAD_REQUEST', 'the request says its body is JSON, but the body is empty') };
    default:
      return undefined;
  }
}

/**
 * Maps anything a route threw to a status and the common error body. Whatever the client got wrong is a 4xx
 * (the slices' checks, the schemas, an unreadable body, and the store's refusal of a value it cannot keep);
 * unexpected errors become a bare 500: their message may hold internals, so it goes to the log only.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof BankError) return { status: statusOf[error.code], body: body(error.code, error.message, error.details), unexpected: false };
  if (isFastifyError(error) && error.validation) {
    const { field, message } = describeInvalid(error.validationContext, error.validation as unknown as SchemaIssue[]);
    return { status: 400, body: body('INVALID_INPUT', message, { field }), unexpected: false };
  }
  if (error instanceof InvalidEventError || error instanceof InvalidQueryError) {
    // The bank's own checks come first; a value that still reaches the store and cannot be kept came from the request.
    return { status: 400, body: body('INVALID_INPUT', `the request holds a value that cannot be stored: ${error.message}`), unexpected: false };
  }
  if (isFastifyError(error)) {
    const known = unreadable(error);
    if (known) return { ...known, unexpected: false };
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return { status: error.statusCode, body: body('BAD_REQUEST', error.message), unexpected: false };
    }
  }
  if (error instanceof DatabaseUnavailableError) {
    return { status: 503, body: body('DATABASE_UNAVAILABLE', 'the database is unavailable; retry later'), unexpected: true };
  }
  return { status: 500, body: body('INTERNAL', 'internal error'), unexpected: true };
}
