import { describe, expect, it } from 'vitest';
import {
  compareCheckpoints,
  decodeCheckpoint,
  formatCheckpoint,
  isCheckpoint,
  parseCheckpoint,
  START_CHECKPOINT,
  type Checkpoint,
} from './checkpoint.js';
import { EventStreamError, InvalidCheckpointError } from './errors.js';

describe('checkpoints', () => {
  it('round-trip through their string form', () => {
    const pairs = [
      { transactionId: 0n, position: 0n },
      { transactionId: 812n, position: 10_417n },
      { transactionId: 2n ** 64n - 1n, position: 2n ** 63n - 1n },
    ];
    for (const pair of pairs) {
      const text: string = formatCheckpoint(pair);
      expect(decodeCheckpoint(parseCheckpoint(text))).toEqual(pair);
    }
    expect(formatCheckpoint({ transactionId: 812n, position: 10_417n })).toBe('812/10417');
    expect(START_CHECKPOINT).toBe('0/0');
  });

  it.each([
    ['', 'empty'],
    ['12', 'no slash'],
    ['12/', 'no position'],
    ['/12', 'no transaction id'],
    ['-1/2', 'negative'],
    ['1/2/3', 'three parts'],
    ['01/2', 'leading zero'],
    [' 1/2', 'whitespace'],
    ['1.5/2', 'not an integer'],
    ['0x10/2', 'hex'],
    ['18446744073709551616/1', 'transaction id above 2^64-1'],
    ['1/9223372036854775808', 'position above 2^63-1'],
    ['start', 'a keyword'],
  ])('rejects %j (%s) with InvalidCheckpointError', (text) => {
    expect(() => parseCheckpoint(text)).toThrow(InvalidCheckpointError);
    try {
      parseCheckpoint(text);
    } catch (error) {
      expect(error).toBeInstanceOf(EventStreamError);
      expect((error as InvalidCheckpointError).code).toBe('INVALID_CHECKPOINT');
      expect((error as InvalidCheckpointError).value).toBe(text);
    }
    expect(isCheckpoint(text)).toBe(false);
  });

  it('rejects values that are not strings, and pairs out of range', () => {
    expect(() => parseCheckpoint(12 as unknown as string)).toThrow(InvalidCheckpointError);
    expect(isCheckpoint(undefined)).toBe(false);
    expect(() => formatCheckpoint({ transactionId: -1n, position: 0n })).toThrow(InvalidCheckpointError);
    expect(() => formatCheckpoint({ transactionId: 0n, position: 2n ** 63n })).toThrow(InvalidCheckpointError);
  });

  it('order by transaction id, then position', () => {
    const sorted = ['0/0', '5/100', '5/101', '6/0', '6/3', '10/1'] as Checkpoint[];
    const shuffled = [sorted[3]!, sorted[0]!, sorted[5]!, sorted[2]!, sorted[1]!, sorted[4]!];
    expect(shuffled.sort(compareCheckpoints)).toEqual(sorted);
    expect(compareCheckpoints(parseCheckpoint('7/7'), parseCheckpoint('7/7'))).toBe(0);
  });
});
