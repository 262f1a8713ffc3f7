import { Type } from 'typebox';
import { MAX_AMOUNT, MAX_BALANCE } from '../domain/money.js';
import { BODY_LIMIT_BYTES } from './errors.js';

/**
 * JSON Schemas of the API (also its OpenAPI description). The slices check the same rules again. A refusal
 * quotes a field's `description` ("accountId in the path must be <description>, got …"): each says what the
 * value must be.
 */
export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'an id of 1 to 64 letters, digits, _ or -' });
const Amount = Type.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: 'minor units (cents)' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'an ISO 4217 currency code in capitals, such as USD' });
const AccountTypeSchema = Type.Union([Type.Literal('checking'), Type.Literal('savings')]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC, to the millisecond' });
const Balance = Type.Integer({ minimum: 0, maximum: MAX_BALANCE, description: `minor units, at most ${MAX_BALANCE} (2^53 − 1): money in past it is refused (BALANCE_LIMIT_EXCEEDED)` });
/** The statement's moment: the rule is `belongsBy` in `features/views/as-of.ts`. */
const AsOf = Type.String({
  format: 'date-time',
  description:
    'an ISO 8601 date-time with a time zone, such as 2026-01-31T23:59:59.123Z, at millisecond precision (digits after the millisecond are dropped). ' +
    'An event belongs to the millisecond it happened in: the statement as of T holds every event whose occurredAt, ' +
    'truncated to the millisecond, is at or before T — everything that happened up to the end of millisecond T, so ' +
    'asOf = a line’s occurredAt includes that line. Times are the database server’s clock. Without asOf: now, from the read model.',
});

export const AccountParams = Type.Object({ id: Id }, { additionalProperties: false });

export const OpenAccountBody = Type.Object(
  {
    customerName: Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        '1 to 100 characters, no control characters. Unique across the bank: names that look alike are one name ' +
        '(case, spacing, full-width and other compatibility forms, invisible characters, and letters of other scripts ' +
        'that look the same, by the confusable skeleton of Unicode TS #39), refused with 409 DUPLICATE_CUSTOMER_NAME',
    }),
    accountType: Type.Optional(AccountTypeSchema),
    currency: Type.Optional(Currency),
    initialDeposit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'minor units' })),
    accountId: Type.Optional({ ...Id, description: 'optional, chosen by the client: makes the request retry-safe' }),
  },
  { additionalProperties: false },
);
export const DepositBody = Type.Object({ amount: Amount, depositId: Id }, { additionalProperties: false });
export const WithdrawalBody = Type.Object({ amount: Amount, withdrawalId: Id }, { additionalProperties: false });
export const TransferBody = Type.Object(
  { fromAccountId: Id, toAccountId: Id, amount: Amount, transferId: Id },
  { additionalProperties: false },
);

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('closed')])),
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: 'a whole number from 1 to 1000 (default 100)' })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'a whole number from 0 to 999999999 (default 0)' })),
  },
  { additionalProperties: false },
);
export const StatementQuery = Type.Object({ asOf: Type.Optional(AsOf) }, { additionalProperties: false });

export const AccountOpenedReply = Type.Object({
  accountId: Type.String(),
  customerName: Type.String(),
  accountType: AccountTypeSchema,
  currency: Type.String(),
  initialDeposit: Type.Integer(),
  replayed: Type.Boolean(),
});
const replayed = Type.Boolean({ description: 'true when this operation id was applied before (nothing new happened)' });
export const DepositReply = Type.Object({ accountId: Type.String(), depositId: Type.String(), amount: Type.Integer(), currency: Type.String(), replayed });
export const WithdrawalReply = Type.Object({
  accountId: Type.String(),
  withdrawalId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  replayed,
});
export const TransferReply = Type.Object({
  transferId: Type.String(),
  fromAccountId: Type.String(),
  toAccountId: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  replayed,
});
export const CloseReply = Type.Object({ accountId: Type.String(), status: Type.Literal('closed'), replayed });

export const AccountReply = Type.Object({
  accountId: Type.String(),
  customerName: Type.Union([Type.String(), Type.Null()], { description: 'null once the customer was erased' }),
  accountType: AccountTypeSchema,
  currency: Type.String(),
  balance: Balance,
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  openedAt: Timestamp,
  closedAt: Type.Union([Timestamp, Type.Null()]),
});
export const AccountListReply = Type.Object({ accounts: Type.Array(AccountReply) });
export const StatementReply = Type.Object({
  accountId: Type.String(),
  currency: Type.String(),
  asOf: Type.Union([Timestamp, Type.Null()]),
  balance: Balance,
  lines: Type.Array(
    Type.Object({
      seq: Type.Integer(),
      position: Type.String({ description: 'global event position (a 64-bit integer, as text)' }),
      occurredAt: { ...Timestamp, description: 'when the append wrote the event: the millisecond it happened in (the database server’s clock)' },
      kind: Type.Union([
        Type.Literal('opening'),
        Type.Literal('deposit'),
        Type.Literal('withdrawal'),
        Type.Literal('transfer-in'),
        Type.Literal('transfer-out'),
        Type.Literal('closing'),
      ]),
      amount: Type.Integer({ description: 'signed minor units: money in is positive' }),
      balanceAfter: Balance,
      operationId: Type.Union([Type.String(), Type.Null()]),
      counterpartyAccountId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

/** The body of every error response (`ErrorBody` in `errors.ts`). */
export const ErrorReply = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable, for programs: INVALID_INPUT, ACCOUNT_NOT_FOUND, INSUFFICIENT_FUNDS…' }),
      message: Type.String({ description: 'for people: what was wrong and what is allowed' }),
      details: Type.Optional(
        Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]), {
          description: 'named values behind the error: `field` for INVALID_INPUT, the balance and amount for INSUFFICIENT_FUNDS…',
        }),
      ),
    }),
  },
  { title: 'Error' },
);

const errorResponse = (description: string) => ({ ...ErrorReply, description });

/** The error responses every route can give. */
export const commonErrors = {
  400: errorResponse('INVALID_INPUT: a field is missing, unknown or out of its range (`details.field` names it); BAD_REQUEST: the body is not JSON'),
  500: errorResponse('INTERNAL: an unexpected error (logged with the request id)'),
  503: errorResponse('DATABASE_UNAVAILABLE: the database cannot be reached; retry later'),
};
/** The error responses of a route that reads a body. */
export const bodyErrors = {
  413: errorResponse(`BODY_TOO_LARGE: the body is larger than ${BODY_LIMIT_BYTES} bytes (16 KiB)`),
  415: errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not sent as application/json'),
};
export const notFound = { 404: errorResponse('ACCOUNT_NOT_FOUND: no such account (or, with asOf, not yet at that time)') };
export const refused = {
  409: errorResponse(
    'refused by the rules: DUPLICATE_CUSTOMER_NAME, INSUFFICIENT_FUNDS, BALANCE_LIMIT_EXCEEDED, ACCOUNT_CLOSED, CURRENCY_MISMATCH, BALANCE_NOT_ZERO, OPERATION_ID_REUSED, CONCURRENCY_CONFLICT',
  ),
};

/** A success response with its description. */
export const described = <T extends object>(schema: T, description: string): T & { description: string } => ({ ...schema, description });
