import type { SettledCheckpoint } from '@tally/eventstore';
import { InvalidCheckpointError } from './errors.js';

declare const checkpointBrand: unique symbol;

/**
 * Where a subscription stands, as a string `"<transactionId>/<position>"`: store it anywhere (a column, a
 * file, a message) and pass it back as `after` to resume with no event lost and none repeated. Make one from
 * a stored string with {@link parseCheckpoint}.
 */
export type Checkpoint = string & { readonly [checkpointBrand]: 'Checkpoint' };

/** Where to start a subscription: a stored {@link Checkpoint}, the first event (`'start'`), or only events settled after it starts (`'end'`). */
export type StartFrom = Checkpoint | 'start' | 'end';

/** The checkpoint before the first event. */
export const START_CHECKPOINT = '0/0' as Checkpoint;

const MAX_TRANSACTION_ID = 2n ** 64n - 1n; // xid8 is unsigned 64-bit
const MAX_POSITION = 2n ** 63n - 1n; // position is a bigint column
const pattern = /^(0|[1-9][0-9]{0,19})\/(0|[1-9][0-9]{0,18})$/;

/**
 * Formats a settled read's `(transactionId, position)` pair as a {@link Checkpoint}.
 * @example formatCheckpoint({ transactionId: 812n, position: 10_417n }) // '812/10417'
 * @throws {InvalidCheckpointError} when a part is negative or out of range
 */
export function formatCheckpoint(position: SettledCheckpoint): Checkpoint {
  const { transactionId, position: eventPosition } = position;
  if (typeof transactionId !== 'bigint' || transactionId < 0n || transactionId > MAX_TRANSACTION_ID) {
    throw new InvalidCheckpointError(position, 'transactionId must be a bigint between 0 and 2^64-1');
  }
  if (typeof eventPosition !== 'bigint' || eventPosition < 0n || eventPosition > MAX_POSITION) {
    throw new InvalidCheckpointError(position, 'position must be a bigint between 0 and 2^63-1');
  }
  return `${transactionId}/${eventPosition}` as Checkpoint;
}

/**
 * Checks a stored string and returns it as a {@link Checkpoint}.
 * @example const after = parseCheckpoint(row.checkpoint); // e.g. '812/10417'
 * @throws {InvalidCheckpointError} unless the text is `"<transactionId>/<position>"` in range
 */
export function parseCheckpoint(text: string): Checkpoint {
  decodeCheckpoint(text);
  return text as Checkpoint;
}

/**
 * The `(transactionId, position)` pair a checkpoint stands for (what `store.readSettled` takes as `after`).
 * @throws {InvalidCheckpointError} when the text is malformed
 */
export function decodeCheckpoint(text: string): SettledCheckpoint {
  if (typeof text !== 'string') throw new InvalidCheckpointError(text, 'expected a string "<transactionId>/<position>"');
  const match = pattern.exec(text);
  if (!match) throw new InvalidCheckpointError(text, 'expected "<transactionId>/<position>", two unsigned decimal integers');
  const transactionId = BigInt(match[1]!);
  const position = BigInt(match[2]!);
  if (transactionId > MAX_TRANSACTION_ID) throw new InvalidCheckpointError(text, 'transactionId is above 2^64-1');
  if (position > MAX_POSITION) throw new InvalidCheckpointError(text, 'position is above 2^63-1');
  return { transactionId, position };
}

/** True when `value` is a well-formed checkpoint string. */
export function isCheckpoint(value: unknown): value is Checkpoint {
  if (typeof value !== 'string') return false;
  try {
    decodeCheckpoint(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Orders two checkpoints as subscriptions advance through them: by transaction id, then position.
 * @returns a negative number when `a` comes first, 0 when equal, a positive number when `b` comes first
 * @throws {InvalidCheckpointError} when either is malformed
 */
export function compareCheckpoints(a: Checkpoint, b: Checkpoint): number {
  const x = decodeCheckpoint(a);
  const y = decodeCheckpoint(b);
  if (x.transactionId !== y.transactionId) return x.transactionId < y.transactionId ? -1 : 1;
  if (x.position !== y.position) return x.position < y.position ? -1 : 1;
  return 0;
}
