import { Type } from 'typebox';
import { MAX_AMOUNT } from '../domain/money.js';

/** JSON Schemas of the API (also its OpenAPI description). The slices check the same rules again. */
export const Id = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', description: '1–64 letters, digits, _ or -' });
const Amount = Type.Integer({ minimum: 1, maximum: MAX_AMOUNT, description: 'minor units (cents), > 0' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const AccountTypeSchema = Type.Union([Type.Literal('checking'), Type.Literal('savings')]);
const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC, to the millisecond' });
/** The statement's moment: the rule is `belongsBy` in `features/views/as-of.ts`. */
const AsOf = Type.String({
  format: 'date-time',
  description:
    'ISO 8601 date-time with a time zone, at millisecond precision (digits after the millisecond are dropped). ' +
    'An event belongs to the millisecond it happened in: the statement as of T holds every event whose occurredAt, ' +
    'truncated to the millisecond, is at or before T — everything that happened up to the end of millisecond T, so ' +
    'asOf = a line’s occurredAt includes that line. Times are the database server’s clock. Without asOf: now, from the read model.',
});

export const AccountParams = Type.Object({ id: Id }, { additionalProperties: false });

export const OpenAccountBody = Type.Object(
  {
    customerName: Type.String({ minLength: 1, maxLength: 100 }),
    accountType: Type.Optional(AccountTypeSchema),
    currency: Type.Optional(Currency),
    initialDeposit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_AMOUNT, description: 'minor units, ≥ 0' })),
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
    limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: '1–1000, default 100' })),
    offset: Type.Optional(Type.String({ pattern: '^[0-9]{1,9}$', description: 'default 0' })),
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
  customerName: Type.String(),
  accountType: AccountTypeSchema,
  currency: Type.String(),
  balance: Type.Integer({ description: 'minor units' }),
  status: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  openedAt: Timestamp,
  closedAt: Type.Union([Timestamp, Type.Null()]),
});
export const AccountListReply = Type.Object({ accounts: Type.Array(AccountReply) });
export const StatementReply = Type.Object({
  accountId: Type.String(),
  currency: Type.String(),
  asOf: Type.Union([Timestamp, Type.Null()]),
  balance: Type.Integer(),
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
      balanceAfter: Type.Integer(),
      operationId: Type.Union([Type.String(), Type.Null()]),
      counterpartyAccountId: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const ErrorReply = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) }),
});
