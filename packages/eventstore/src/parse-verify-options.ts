import { InvalidQueryError } from './errors.js';
import { MAX_POSITION, validatePosition } from './validation.js';
import type { VerifyOptions } from './verify-types.js';

const HEAD_PATTERN = /^([1-9]\d{0,18}):([0-9a-f]{64})$/;

/** `verify()`'s options checked, with their defaults: the position range and the anchored head, if any. */
export interface VerifyRequest {
  readonly from: bigint;
  readonly to: bigint;
  readonly expected?: { readonly seal: bigint; readonly chain: string };
}

/**
 * Checks `verify()`'s options (both stores): `from` and `to` positions with `from ≤ to`, and `expectedHead` a
 * head as `seal()` and `verify()` return it, `<seal number>:<chain value, 64 hex digits>`.
 * @throws {InvalidQueryError} `INVALID_OPTION`
 */
export function parseVerifyOptions(options: VerifyOptions): VerifyRequest {
  validatePosition(options.from, 'options.from');
  validatePosition(options.to, 'options.to');
  const from = options.from ?? 0n;
  const to = options.to ?? MAX_POSITION;
  if (from > to) throw new InvalidQueryError('INVALID_OPTION', `options.from (${from}) is past options.to (${to})`, 'options.from');
  if (options.expectedHead === undefined) return { from, to };
  const match = typeof options.expectedHead === 'string' ? HEAD_PATTERN.exec(options.expectedHead) : null;
  if (!match) {
    throw new InvalidQueryError(
      'INVALID_OPTION',
      'options.expectedHead must be a head returned by seal() or verify(): <seal>:<64 hex digits>',
      'options.expectedHead',
    );
  }
  return { from, to, expected: { seal: BigInt(match[1]!), chain: match[2]! } };
}
