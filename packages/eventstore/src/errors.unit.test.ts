import { describe, expect, it } from 'vitest';
import { classifyDatabaseError } from './classify-database-error.js';
import {
  ConfigurationError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  EventStoreError,
  type EventStoreErrorCode,
  InvalidEventError,
  InvalidQueryError,
  TransactionTooOldError,
} from './errors.js';

/** An error shaped like pg's `DatabaseError`. */
function pgError(code: string, message: string, detail?: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', ...(detail === undefined ? {} : { detail }) });
}

describe('classifyDatabaseError', () => {
  it('maps TLY03 to TransactionTooOldError, with the transaction id from DETAIL when there is one', () => {
    const raw = pgError('TLY03', 'transaction 4711 held its id past the horizon grace', 'transaction 4711, mark 4700');
    const error = classifyDatabaseError(raw, 'append');
    expect(error).toBeInstanceOf(TransactionTooOldError);
    expect(error).toMatchObject({ code: 'TRANSACTION_TOO_OLD', transactionId: 4711n, cause: raw });
    expect((error as Error).message).toContain('Nothing was written');
    expect(classifyDatabaseError(pgError('TLY03', 'too old'))).toMatchObject({ code: 'TRANSACTION_TOO_OLD', transactionId: undefined });
  });

  it('maps TLY04 and a malformed pg_snapshot to INVALID_HEAD', () => {
    for (const raw of [pgError('TLY04', 'head from the future'), pgError('22P02', 'invalid input syntax for type pg_snapshot: "5:3:"')]) {
      const error = classifyDatabaseError(raw, 'append');
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect(error).toMatchObject({ code: 'INVALID_HEAD', path: 'condition.after', cause: raw });
    }
  });

  it.each([['57014'], ['55P03'], ['25P03']] as const)('maps %s to DatabaseTimeoutError with its SQLSTATE', (sqlstate) => {
    const raw = pgError(sqlstate, 'canceling statement due to statement timeout');
    const error = classifyDatabaseError(raw);
    expect(error).toBeInstanceOf(DatabaseTimeoutError);
    expect(error).toMatchObject({ code: 'DATABASE_TIMEOUT', sqlstate, cause: raw });
  });

  it('maps input the database still refuses to the error of the operation', () => {
    const indexRow = pgError('54000', 'index row size 3016 exceeds btree version 4 maximum 2704 for index "event_tags_pkey"');
    expect(classifyDatabaseError(indexRow, 'append')).toBeInstanceOf(InvalidEventError);
    expect(classifyDatabaseError(indexRow, 'append')).toMatchObject({ code: 'EVENT_TOO_LARGE', cause: indexRow });
    expect(classifyDatabaseError(pgError('54001', 'stack depth limit exceeded'), 'append')).toMatchObject({ code: 'INVALID_EVENT_DATA' });
    expect(classifyDatabaseError(pgError('54001', 'stack depth limit exceeded'), 'read')).toMatchObject({ code: 'INVALID_QUERY' });
    expect(classifyDatabaseError(pgError('22003', 'value "1180591620717411303424" is out of range for type bigint'), 'read')).toMatchObject({
      code: 'INVALID_OPTION',
    });
    const channel = classifyDatabaseError(pgError('22023', 'channel name too long'), 'append');
    expect(channel).toBeInstanceOf(ConfigurationError);
  });

  it('maps a connection lost inside a transaction to DatabaseUnavailableError, and says an append may be in doubt', () => {
    const raws = [
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client was closed and is not queryable'),
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('08006', 'connection failure'),
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
    ];
    for (const raw of raws) {
      expect(classifyDatabaseError(raw)).toBeInstanceOf(DatabaseUnavailableError);
      expect(classifyDatabaseError(raw)).toMatchObject({ cause: raw });
    }
    expect((classifyDatabaseError(raws[1], 'append') as Error).message).toContain('same event ids');
  });

  it('wraps any other error with a SQLSTATE in DatabaseError, and passes other errors through', () => {
    const raw = pgError('40001', 'could not serialize access');
    const error = classifyDatabaseError(raw, 'append');
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ code: 'DATABASE_ERROR', sqlstate: '40001', cause: raw });
    expect(classifyDatabaseError(pgError('22P02', 'invalid input syntax for type uuid'))).toBeInstanceOf(DatabaseError);
    const plain = new TypeError('not from the database');
    expect(classifyDatabaseError(plain)).toBe(plain);
    const own = new DatabaseUnavailableError('x', { cause: 1 });
    expect(classifyDatabaseError(own)).toBe(own);
    expect(error).toBeInstanceOf(EventStoreError);
  });

  it('has a literal union of codes', () => {
    const code: EventStoreErrorCode = new DatabaseError('40001', 'x').code;
    expect(code).toBe('DATABASE_ERROR');
  });
});
