import { createHash, timingSafeEqual } from 'node:crypto';
import { ConsoleRequestError } from '../errors.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Lets an action through only with the configured admin token. Both sides are hashed first, so the comparison
 * (`timingSafeEqual`) takes the same time whatever the given token's length or content.
 * @throws {ConsoleRequestError} `CONSOLE_READ_ONLY` when no token is configured; `ADMIN_TOKEN_INVALID` when the
 * given one is missing or wrong
 */
export function checkAdminToken(configured: string | undefined, given: string | undefined): void {
  if (configured === undefined || configured === '') {
    throw new ConsoleRequestError('CONSOLE_READ_ONLY', 'the console is read-only: start the worker with --admin-token (or TALLY_ADMIN_TOKEN) to allow actions');
  }
  if (given === undefined || !timingSafeEqual(digest(configured), digest(given))) {
    throw new ConsoleRequestError('ADMIN_TOKEN_INVALID', 'missing or wrong admin token');
  }
}
