/** Why the bank refused a request. The HTTP layer maps each code to a status (see `http/errors.ts`). */
export type BankErrorCode =
  /** The request itself is malformed (bad amount, unknown currency, missing id…). */
  | 'INVALID_INPUT'
  | 'ACCOUNT_NOT_FOUND'
  | 'DUPLICATE_CUSTOMER_NAME'
  | 'INSUFFICIENT_FUNDS'
  /** The money in would take the balance past `MAX_BALANCE` (2^53 − 1 minor units). */
  | 'BALANCE_LIMIT_EXCEEDED'
  | 'ACCOUNT_CLOSED'
  | 'CURRENCY_MISMATCH'
  | 'BALANCE_NOT_ZERO'
  /** An operation id was used before for a different request. */
  | 'OPERATION_ID_REUSED'
  /** The decision kept losing races with concurrent writers (retries exhausted). */
  | 'CONCURRENCY_CONFLICT';

/** Base class of the bank's refusals: a string `code`, a message for humans, and the data behind it. */
export class BankError extends Error {
  override readonly name: string = 'BankError';
  constructor(
    readonly code: BankErrorCode,
    message: string,
    readonly details: Readonly<Record<string, string | number>> = {},
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A request that can never succeed as written: 400. */
export class InvalidInputError extends BankError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_INPUT', message, { field });
  }
}

/** No such account: 404. With `asOf`, the account exists but was opened after that moment. */
export class AccountNotFoundError extends BankError {
  override readonly name = 'AccountNotFoundError';
  constructor(
    readonly accountId: string,
    readonly asOf?: Date,
  ) {
    super(
      'ACCOUNT_NOT_FOUND',
      asOf ? `account ${accountId} did not exist yet at ${asOf.toISOString()}: it was opened later` : `account ${accountId} does not exist`,
      asOf ? { accountId, asOf: asOf.toISOString() } : { accountId },
    );
  }
}

/** Refused by the bank's rules (overdraft, closed account, duplicate name…): 409. */
export class RuleViolationError extends BankError {
  override readonly name = 'RuleViolationError';
}
