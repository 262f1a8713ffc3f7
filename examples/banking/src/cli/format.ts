import Table from 'cli-table3';
import type { AccountView, Statement } from '../features/views/queries.js';
import { formatMoney } from '../domain/money.js';

/** No colours: the output is read in logs and CI as often as in a terminal. */
const plain = { head: [], border: [] };

/** Accounts as a text table. */
export function accountsTable(accounts: readonly AccountView[]): string {
  const table = new Table({ head: ['account', 'customer', 'type', 'status', 'balance'], colAligns: ['left', 'left', 'left', 'left', 'right'], style: plain });
  for (const a of accounts) table.push([a.accountId, a.customerName ?? '(erased)', a.accountType, a.status, formatMoney(a.balance, a.currency)]);
  return table.toString();
}

/** A statement: one line per movement with the running balance. */
export function statementTable(statement: Statement): string {
  const { account } = statement;
  const money = (amount: number) => formatMoney(amount, account.currency);
  const table = new Table({ head: ['#', 'recorded at', 'movement', 'amount', 'balance', 'reference'], colAligns: ['right', 'left', 'left', 'right', 'right', 'left'], style: plain });
  for (const line of statement.lines) {
    const reference = [line.operationId, line.counterpartyAccountId && `↔ ${line.counterpartyAccountId.slice(0, 8)}`].filter(Boolean).join(' ');
    table.push([line.seq, line.occurredAt.toISOString(), line.kind, money(line.amount), money(line.balanceAfter), reference]);
  }
  const when = statement.asOf ? `as of ${statement.asOf.toISOString()}` : 'now';
  return `${account.customerName ?? '(erased)'} (${account.accountId}), ${account.accountType}, ${account.status}, ${when}: balance ${money(statement.balance)}\n${table.toString()}`;
}
