import { InvalidQueryError } from './errors.js';

const HEAD_PATTERN = /^([1-9]\d{0,18}):([0-9a-f]{64})$/;

/**
 * Reads a chain head as `seal()` and `verify()` return it: `<seal number>:<chain value, 64 hex digits>`.
 * @throws {InvalidQueryError} `INVALID_OPTION` for anything else
 */
export function parseSealHead(text: unknown): { seal: bigint; chain: string } {
  const match = typeof text === 'string' ? HEAD_PATTERN.exec(text) : null;
  if (!match) {
    throw new InvalidQueryError(
      'INVALID_OPTION',
      'options.expectedHead must be a head returned by seal() or verify(): <seal>:<64 hex digits>',
      'options.expectedHead',
    );
  }
  return { seal: BigInt(match[1]!), chain: match[2]! };
}
