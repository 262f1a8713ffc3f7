import { ConfigurationError as StoreConfigurationError } from '@tally/eventstore';
import { describe, expect, it } from 'vitest';
import {
  BatchAbandonedError,
  CatchUpError,
  CheckpointMovedError,
  ConfigurationError,
  ConsoleRequestError,
  HandlerTimeoutError,
  ProjectionError,
  type ProjectionErrorCode,
  ProjectionHandlerError,
  ProjectorStoppedError,
  UnknownProjectionError,
  type ConsoleRequestCode,
} from './errors.js';

describe('the errors of @tally/projections', () => {
  it('carry one code each from ProjectionErrorCode, and their class name', () => {
    const errors: [ProjectionError, ProjectionErrorCode][] = [
      [new ConfigurationError('bad'), 'INVALID_CONFIGURATION'],
      [new UnknownProjectionError('p'), 'UNKNOWN_PROJECTION'],
      [new CheckpointMovedError('p'), 'CHECKPOINT_MOVED'],
      [new ProjectionHandlerError('p', 3n, new Error('boom')), 'HANDLER_FAILED'],
      [new HandlerTimeoutError(100), 'HANDLER_TIMEOUT'],
      [new BatchAbandonedError('p', 'stopping'), 'BATCH_ABANDONED'],
      [new CatchUpError('p', 'late'), 'CATCH_UP_FAILED'],
      [new ProjectorStoppedError('status'), 'PROJECTOR_STOPPED'],
      [new ConsoleRequestError('INVALID_REQUEST', 'limit: bad', 'limit'), 'INVALID_REQUEST'],
      [new ConsoleRequestError('NOT_FOUND', 'no event'), 'NOT_FOUND'],
      [new ConsoleRequestError('CONSOLE_READ_ONLY', 'read-only'), 'CONSOLE_READ_ONLY'],
      [new ConsoleRequestError('ADMIN_TOKEN_INVALID', 'wrong token'), 'ADMIN_TOKEN_INVALID'],
    ];
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(ProjectionError);
      expect(error.code).toBe(code);
      expect(error.name).toBe(error.constructor.name);
    }
    expect(new Set(errors.map(([, code]) => code)).size).toBe(errors.length);
  });

  it('ConsoleRequestError answers 400, 404 or 403 by its code', () => {
    const codes: ConsoleRequestCode[] = ['INVALID_REQUEST', 'NOT_FOUND', 'CONSOLE_READ_ONLY', 'ADMIN_TOKEN_INVALID'];
    expect(codes.map((code) => new ConsoleRequestError(code, 'x').status)).toEqual([400, 404, 403, 403]);
  });

  it('ConfigurationError has the store’s code for the same mistake', () => {
    expect(new ConfigurationError('bad').code).toBe(new StoreConfigurationError('bad').code);
  });

  it('a misspelt code does not compile', () => {
    const error: ProjectionError = new ProjectorStoppedError('status');
    const stopped = new ProjectorStoppedError('status');
    // @ts-expect-error: not a code of @tally/projections
    expect(error.code === 'STOPPED').toBe(false);
    // @ts-expect-error: a ProjectorStoppedError's code is PROJECTOR_STOPPED only
    expect(stopped.code === 'INVALID_CONFIGURATION').toBe(false);
  });

  it('ProjectorStoppedError names the refused call and keeps the cause', () => {
    const cause = new Error('Cannot use a pool after calling end on the pool');
    const error = new ProjectorStoppedError('waitForCatchUp', { cause });
    expect(error.message).toContain('waitForCatchUp()');
    expect(error).toMatchObject({ operation: 'waitForCatchUp', cause });
  });
});
