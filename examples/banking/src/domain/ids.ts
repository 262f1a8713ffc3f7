import { v5 as uuidv5 } from 'uuid';
import { InvalidInputError } from './errors.js';

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** Checks an account or operation id: 1–64 letters, digits, `_` or `-` (UUIDs fit). */
export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !idPattern.test(value)) {
    throw new InvalidInputError(field, `${field} must be 1–64 letters, digits, '_' or '-', got ${JSON.stringify(value)}`);
  }
  return value;
}

const namespace = '5b0c8a4e-3f1d-4c2a-9e57-0d6f1b2a7c91';

/**
 * The event id of an operation: derived from the client's operation id, so a retried request writes an event
 * with the same id, which the store keeps once (and refuses if the retry's content differs).
 */
export const operationEventId = (kind: 'open' | 'deposit' | 'withdrawal' | 'transfer' | 'close', operationId: string): string =>
  uuidv5(`${kind}:${operationId}`, namespace);
