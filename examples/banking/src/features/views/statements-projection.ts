import { sql } from 'kysely';
import { defineProjection } from '@tally/projections';
import { bankEventTypes, type BankEvent } from '../../domain/events.js';
import type { BankReadDb } from './read-model.js';
import { accountsOf, statementLines } from './statement.js';

/**
 * `bank_statement_lines`: every movement of every account with the running balance after it. The batch's
 * lines are computed from each account's last stored line and written with one multi-row INSERT.
 */
export const statementsProjection = defineProjection<BankEvent, BankReadDb>()({
  name: 'bank-statements',
  version: 1,
  // A statement's running balances depend on each account's order: a poison event is parked and its account's
  // later events wait behind it (holdParkedTags, the default), while every other account stays current.
  onError: 'park',
  query: [{ types: bankEventTypes }],
  tables: ['bank_statement_lines'],
  setup: async (db) => {
    await sql`
      CREATE TABLE IF NOT EXISTS bank_statement_lines (
        account_id              text NOT NULL,
        seq                     integer NOT NULL,
        position                bigint NOT NULL,
        occurred_at             timestamptz NOT NULL,
        kind                    text NOT NULL,
        amount                  bigint NOT NULL,
        balance_after           bigint NOT NULL,
        operation_id            text,
        counterparty_account_id text,
        PRIMARY KEY (account_id, seq)
      )`.execute(db);
    await sql`CREATE INDEX IF NOT EXISTS bank_statement_lines_time ON bank_statement_lines (account_id, occurred_at)`.execute(db);
  },
  reset: async (trx) => {
    await trx.deleteFrom('bank_statement_lines').execute();
  },
  handle: async (events, trx) => {
    // Each account's events, in batch order: every statement is then built from its own events only, not
    // by scanning the whole batch once per account.
    const byAccount = new Map<string, (typeof events)[number][]>();
    for (const event of events) {
      for (const accountId of accountsOf(event)) {
        const list = byAccount.get(accountId);
        if (list) list.push(event);
        else byAccount.set(accountId, [event]);
      }
    }
    const accountIds = [...byAccount.keys()];
    if (accountIds.length === 0) return;
    const lastLines = await trx
      .selectFrom('bank_statement_lines')
      .distinctOn('account_id')
      .select(['account_id', 'seq', 'balance_after'])
      .where('account_id', 'in', accountIds)
      .orderBy('account_id')
      .orderBy('seq', 'desc')
      .execute();
    const last = new Map(lastLines.map((row) => [row.account_id, { seq: row.seq, balance: Number(row.balance_after) }]));
    const rows = accountIds.flatMap((accountId) =>
      statementLines(accountId, byAccount.get(accountId) ?? [], last.get(accountId)).map((line) => ({
        account_id: accountId,
        seq: line.seq,
        position: line.position,
        occurred_at: line.occurredAt,
        kind: line.kind,
        amount: line.amount,
        balance_after: line.balanceAfter,
        operation_id: line.operationId,
        counterparty_account_id: line.counterpartyAccountId,
      })),
    );
    // PostgreSQL takes at most 65,535 parameters per statement: 9 per row.
    for (let i = 0; i < rows.length; i += 5000) {
      await trx.insertInto('bank_statement_lines').values(rows.slice(i, i + 5000)).execute();
    }
  },
});
