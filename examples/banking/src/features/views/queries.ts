import type { EventStore } from '@tally/eventstore';
import type { Kysely, Selectable } from 'kysely';
import { foldAccount } from '../../domain/account.js';
import { AccountNotFoundError, InvalidInputError } from '../../domain/errors.js';
import { accountTag, type AccountType, type BankEvent } from '../../domain/events.js';
import { checkId } from '../../domain/ids.js';
import { belongsBy } from './as-of.js';
import type { BankReadDb } from './read-model.js';
import { statementLines, type StatementLine } from './statement.js';

/** An account as the views show it. */
export interface AccountView {
  readonly accountId: string;
  /** `null` once the customer was erased (`bank.eraseCustomer`). */
  readonly customerName: string | null;
  readonly accountType: AccountType;
  readonly currency: string;
  /** Minor units. */
  readonly balance: number;
  readonly status: 'open' | 'closed';
  readonly openedAt: Date;
  readonly closedAt: Date | null;
}

export interface Statement {
  readonly account: AccountView;
  /** The moment the statement was computed for, to the millisecond (`null`: now). */
  readonly asOf: Date | null;
  /** Balance after the last line. */
  readonly balance: number;
  readonly lines: readonly StatementLine[];
}

const toView = (row: Selectable<BankReadDb['bank_accounts']>): AccountView => ({
  accountId: row.account_id,
  customerName: row.customer_name,
  accountType: row.account_type,
  currency: row.currency,
  balance: Number(row.balance),
  status: row.status,
  openedAt: row.opened_at,
  closedAt: row.closed_at,
});

/** The account from the `bank_accounts` read model (as up to date as the projector). */
export async function getAccount(db: Kysely<BankReadDb>, accountId: string): Promise<AccountView | undefined> {
  const row = await db.selectFrom('bank_accounts').selectAll().where('account_id', '=', accountId).executeTakeFirst();
  return row && toView(row);
}

export interface ListOptions {
  readonly status?: 'open' | 'closed' | undefined;
  /** @defaultValue 100 */
  readonly limit?: number | undefined;
  /** @defaultValue 0 */
  readonly offset?: number | undefined;
}

/** Accounts by customer name. */
export async function listAccounts(db: Kysely<BankReadDb>, options: ListOptions = {}): Promise<AccountView[]> {
  let query = db.selectFrom('bank_accounts').selectAll();
  if (options.status) query = query.where('status', '=', options.status);
  const rows = await query
    .orderBy('customer_name')
    .orderBy('account_id')
    .limit(options.limit ?? 100)
    .offset(options.offset ?? 0)
    .execute();
  return rows.map(toView);
}

/**
 * The statement from the read models. @throws {AccountNotFoundError} when the account is not (yet) in them
 */
export async function getStatement(db: Kysely<BankReadDb>, accountId: string): Promise<Statement> {
  const account = await getAccount(db, accountId);
  if (!account) throw new AccountNotFoundError(accountId);
  const rows = await db.selectFrom('bank_statement_lines').selectAll().where('account_id', '=', accountId).orderBy('seq').execute();
  const lines = rows.map(
    (row): StatementLine => ({
      seq: row.seq,
      position: BigInt(row.position),
      occurredAt: row.occurred_at,
      kind: row.kind,
      amount: Number(row.amount),
      balanceAfter: Number(row.balance_after),
      operationId: row.operation_id,
      counterpartyAccountId: row.counterparty_account_id,
    }),
  );
  return { account, asOf: null, balance: lines.at(-1)?.balanceAfter ?? 0, lines };
}

/**
 * The statement and balance as they were at `asOf`, computed from the events themselves (a temporal query).
 * Exact, and independent of the projector.
 *
 * An event belongs to the millisecond it happened in: the statement as of `T` holds every event of the account
 * whose `occurredAt`, truncated to the millisecond, is at or before `T`, i.e. everything up to the end of
 * millisecond `T` (`belongsBy` in `as-of.ts`). Times are the database server's clock. `asOf: null` is now:
 * every event, whatever the clock of this process says.
 * @throws {AccountNotFoundError} when the account does not exist, or did not exist yet at `asOf` (its `asOf` set)
 */
export async function statementAsOf(store: EventStore<BankEvent>, accountId: string, asOf: Date | null): Promise<Statement> {
  checkId(accountId, 'accountId');
  if (asOf && Number.isNaN(asOf.getTime())) throw new InvalidInputError('asOf', 'asOf must be a valid ISO 8601 date-time');
  const { events } = await store.read([{ tags: [accountTag(accountId)] }]);
  const past = asOf ? events.filter((event) => belongsBy(event.occurredAt, asOf)) : events;
  const state = foldAccount(accountId, past);
  const opened = past.find((event) => event.type === 'AccountOpened');
  if (state.status === 'unknown' || !opened) throw new AccountNotFoundError(accountId, asOf && events.length > 0 ? asOf : undefined);
  const closing = past.find((event) => event.type === 'AccountClosed');
  const lines = statementLines(accountId, past);
  const account: AccountView = {
    accountId,
    customerName: state.customerName,
    accountType: state.accountType,
    currency: state.currency,
    balance: state.balance,
    status: state.status,
    openedAt: opened.occurredAt,
    closedAt: closing?.occurredAt ?? null,
  };
  return { account, asOf, balance: state.balance, lines };
}
