/** Codes of the errors `@tally/decisions` throws. */
export type DecisionErrorCode = 'DECISION_REJECTED' | 'DECISION_CONFLICT' | 'INVALID_DECISION' | 'INVALID_OPTION';

/** Base class of every error `@tally/decisions` throws; `code` is stable and meant for programs. */
export class DecisionError extends Error {
  readonly code: DecisionErrorCode;
  constructor(code: DecisionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * `decide` refused the command: a business rule, not a failure. `reason` is the decision's own code (e.g.
 * `INSUFFICIENT_FUNDS`) and `data` what it attached. Nothing was written. Throw it with {@link reject}.
 */
export class DecisionRejectedError<Reason extends string = string, Data = unknown> extends DecisionError {
  declare readonly code: 'DECISION_REJECTED';
  constructor(
    readonly reason: Reason,
    readonly data: Data,
    message?: string,
  ) {
    super('DECISION_REJECTED', message ?? `The command was rejected: ${reason}`);
  }
  /** The decision that rejected it (set by the handler). */
  decision: string | undefined;
}

/** Every attempt met a conflicting append (someone else kept deciding on the same events). Nothing was written. */
export class DecisionConflictError extends DecisionError {
  declare readonly code: 'DECISION_CONFLICT';
  constructor(
    readonly decision: string,
    readonly attempts: number,
    options: { cause: unknown },
  ) {
    super('DECISION_CONFLICT', `Decision "${decision}": still conflicting after ${attempts} attempt(s); nothing was written`, options);
  }
}

/** A decision or aggregate definition is malformed (a missing function, an empty name). */
export class InvalidDecisionError extends DecisionError {
  declare readonly code: 'INVALID_DECISION';
  constructor(message: string) {
    super('INVALID_DECISION', message);
  }
}

/** An option of `createCommandHandler` or `handle` is invalid. */
export class InvalidOptionError extends DecisionError {
  declare readonly code: 'INVALID_OPTION';
  constructor(readonly option: string, expected: string) {
    super('INVALID_OPTION', `Option ${option} must be ${expected}`);
  }
}

/**
 * Rejects a command from `decide`, with a code of the decision's own and data for the caller.
 * @example
 * if (state.balance < cmd.amount) reject('INSUFFICIENT_FUNDS', { balance: state.balance });
 */
export function reject<const Reason extends string, Data = undefined>(reason: Reason, data?: Data, message?: string): never {
  throw new DecisionRejectedError<Reason, Data | undefined>(reason, data, message);
}

/** Narrows `error` to a rejection (optionally with the given reason). */
export function isRejection<const Reason extends string>(error: unknown, reason?: Reason): error is DecisionRejectedError<Reason> {
  return error instanceof DecisionRejectedError && (reason === undefined || error.reason === reason);
}
