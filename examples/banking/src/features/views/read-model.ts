import type { ColumnType } from 'kysely';

/** int8 columns: written as numbers, read back as strings by node-postgres (converted in `queries.ts`). */
type Int8 = ColumnType<string, number | bigint, number | bigint>;

/** The read tables the projections keep up to date (in the application's default schema). */
export interface BankReadDb {
  bank_accounts: {
    account_id: string;
    /** NULL once the customer was erased. */
    customer_name: string | null;
    account_type: 'checking' | 'savings';
    currency: string;
    balance: Int8;
    status: 'open' | 'closed';
    opened_at: Date;
    closed_at: Date | null;
  };
  bank_statement_lines: {
    account_id: string;
    /** 1, 2, 3… per account, in the order the events were applied. */
    seq: number;
    position: Int8;
    /**
     * The event's `occurredAt`, written from the store's `Date`, so at millisecond precision. A query "as of"
     * a moment over it keeps the rule of `as-of.ts`: `date_trunc('milliseconds', occurred_at) <= $asOf`.
     */
    occurred_at: Date;
    kind: MovementKind;
    /** Signed minor units: money in is positive. */
    amount: Int8;
    balance_after: Int8;
    operation_id: string | null;
    counterparty_account_id: string | null;
  };
}

export type MovementKind = 'opening' | 'deposit' | 'withdrawal' | 'transfer-in' | 'transfer-out' | 'closing';
