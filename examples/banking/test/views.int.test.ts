import { setTimeout as sleep } from 'node:timers/promises';
import type { Projector } from '@tally/projections';
import { projectionSpec } from '@tally/projections/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bank } from '../src/bank.js';
import { foldAccount } from '../src/domain/account.js';
import { AccountNotFoundError } from '../src/domain/errors.js';
import { accountsProjection } from '../src/features/views/accounts-projection.js';
import type { AccountView } from '../src/features/views/queries.js';
import { statementLines } from '../src/features/views/statement.js';
import { statementsProjection } from '../src/features/views/statements-projection.js';
import { closed, deposited, opened, transferred, withdrawn } from './history.js';
import { accountEvents, setupBank, untilServerClockPasses } from './helpers.js';

let bank: Bank;
let url: string;
beforeAll(async () => {
  const setup = await setupBank();
  bank = setup.bank;
  url = setup.database.url;
});

describe('projections in isolation (projectionSpec: one rolled-back transaction per case)', () => {
  it('bank_accounts: one row per account with its balance and status', async () => {
    const spec = projectionSpec(accountsProjection, { store: bank.store, connectionString: url });
    try {
      await spec
        .given([
          opened('s1', { customerName: 'Spec One', initialDeposit: 100 }),
          opened('s2', { customerName: 'Spec Two', currency: 'USD', accountType: 'savings' }),
          deposited('s1', 50, 'sd-1'),
          withdrawn('s1', 30, 'sw-1'),
          transferred('s1', 's2', 120, 'st-1'),
          closed('s1'),
        ])
        .then(
          (trx) =>
            trx
              .selectFrom('bank_accounts')
              .select(['account_id', 'customer_name', 'account_type', 'currency', 'balance', 'status'])
              .select((eb) => eb('closed_at', 'is not', null).as('has_closed_at'))
              .orderBy('account_id')
              .execute(),
          [
            { account_id: 's1', customer_name: 'Spec One', account_type: 'checking', currency: 'USD', balance: '0', status: 'closed', has_closed_at: true },
            { account_id: 's2', customer_name: 'Spec Two', account_type: 'savings', currency: 'USD', balance: '120', status: 'open', has_closed_at: false },
          ],
        );
    } finally {
      await spec.close();
    }
  });

  it('bank_statement_lines: every movement with the running balance, both sides of a transfer', async () => {
    const spec = projectionSpec(statementsProjection, { store: bank.store, connectionString: url });
    try {
      await spec
        .given([opened('s1', { initialDeposit: 100 }), opened('s2'), deposited('s1', 50, 'sd-1'), transferred('s1', 's2', 120, 'st-1'), closed('s2')])
        .then(
          (trx) =>
            trx
              .selectFrom('bank_statement_lines')
              .select(['account_id', 'seq', 'kind', 'amount', 'balance_after', 'operation_id', 'counterparty_account_id'])
              .orderBy('account_id')
              .orderBy('seq')
              .execute(),
          [
            { account_id: 's1', seq: 1, kind: 'opening', amount: '100', balance_after: '100', operation_id: null, counterparty_account_id: null },
            { account_id: 's1', seq: 2, kind: 'deposit', amount: '50', balance_after: '150', operation_id: 'sd-1', counterparty_account_id: null },
            { account_id: 's1', seq: 3, kind: 'transfer-out', amount: '-120', balance_after: '30', operation_id: 'st-1', counterparty_account_id: 's2' },
            { account_id: 's2', seq: 1, kind: 'opening', amount: '0', balance_after: '0', operation_id: null, counterparty_account_id: null },
            { account_id: 's2', seq: 2, kind: 'transfer-in', amount: '120', balance_after: '120', operation_id: 'st-1', counterparty_account_id: 's1' },
            { account_id: 's2', seq: 3, kind: 'closing', amount: '0', balance_after: '120', operation_id: null, counterparty_account_id: null },
          ],
        );
    } finally {
      await spec.close();
    }
  });

  it('the spec left nothing behind (its transaction was rolled back)', async () => {
    expect(await bank.store.read()).toMatchObject({ events: [] });
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM bank_accounts`.execute(bank.db);
    expect(rows[0]?.n).toBe('0');
  });
});

describe('the in-process projector keeps the read models equal to a fold of the events', () => {
  let projector: Projector;
  const ids: Record<'alice' | 'bob' | 'carol' | 'dave', string> = { alice: '', bob: '', carol: '', dave: '' };
  let firstDepositAt: Date;

  beforeAll(async () => {
    projector = await bank.startProjector();
    ids.alice = (await bank.openAccount({ customerName: 'Alice', initialDeposit: 10_000 })).accountId;
    ids.bob = (await bank.openAccount({ customerName: 'Bob', accountType: 'savings' })).accountId;
    ids.carol = (await bank.openAccount({ customerName: 'Carol', currency: 'EUR', initialDeposit: 500 })).accountId;
    ids.dave = (await bank.openAccount({ customerName: 'Dave', initialDeposit: 70 })).accountId;
    await bank.deposit({ accountId: ids.alice, amount: 2_500, depositId: 'v-dep-1' });
    // The first deposit's own occurredAt, as the store stamped it (server clock, to the millisecond); the second
    // deposit starts once the server's clock has left that millisecond, so it is stamped after it. No sleeps and
    // no reading of this process's clock.
    firstDepositAt = (await accountEvents(bank, ids.alice)).at(-1)!.occurredAt;
    await untilServerClockPasses(bank, firstDepositAt.getTime());
    await bank.deposit({ accountId: ids.alice, amount: 4_000, depositId: 'v-dep-2' });
    await bank.withdraw({ accountId: ids.alice, amount: 1_234, withdrawalId: 'v-w-1' });
    await bank.transfer({ fromAccountId: ids.alice, toAccountId: ids.bob, amount: 3_000, transferId: 'v-t-1' });
    await bank.transfer({ fromAccountId: ids.bob, toAccountId: ids.dave, amount: 30, transferId: 'v-t-2' });
    await bank.withdraw({ accountId: ids.dave, amount: 100, withdrawalId: 'v-w-2' });
    await bank.closeAccount({ accountId: ids.dave });
    await bank.deposit({ accountId: ids.carol, amount: 1, depositId: 'v-dep-3' });
    await bank.deposit({ accountId: ids.bob, amount: 9, depositId: 'v-dep-4' }); // the last operation
    await bank.deposit({ accountId: ids.bob, amount: 9, depositId: 'v-dep-4' }); // a replay: no new event

    // Caught up: both projections report no lag at the store's head, and the read model shows the last operation.
    const { events } = await bank.store.read();
    const last = events.at(-1)!.position;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = await projector.status();
      const caughtUp = status.length === 2 && status.every((s) => s.state === 'running' && s.lagEvents === 0 && s.head >= last && s.lastError === null);
      const bob = await bank.db.selectFrom('bank_accounts').select('balance').where('account_id', '=', ids.bob).executeTakeFirst();
      const lastLine = await bank.db.selectFrom('bank_statement_lines').select('balance_after').where('operation_id', '=', 'v-dep-4').executeTakeFirst();
      if (caughtUp && bob?.balance === String(3_000 - 30 + 9) && lastLine?.balance_after === bob.balance) break;
      if (Date.now() > deadline) {
        const settled = await bank.store.readSettled(undefined, { after: { transactionId: 0n, position: 0n }, limit: 1000 });
        const rows = await bank.db.selectFrom('bank_accounts').select('account_id').execute();
        const json = (value: unknown) => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
        throw new Error(
          `projections did not catch up in 20 s: bank_accounts ${json(rows)}; events ${events.map((e) => `${e.position}@${e.transactionId}`).join(' ')}; ` +
            `settled from 0: ${settled.events.length} events, checkpoint ${json(settled.checkpoint)}; status ${json(status)}`,
        );
      }
      await sleep(50);
    }
  });

  afterAll(async () => {
    await projector.stop();
  });

  it('reports every projection running, with no lag and no error', async () => {
    const status = await projector.status();
    expect(status.map((s) => s.name).sort()).toEqual(['bank-accounts', 'bank-statements']);
    for (const s of status) expect(s).toMatchObject({ lagEvents: 0, lastError: null, failedPosition: null });
  });

  it('bank_accounts equals the accounts folded from store.read()', async () => {
    const { events } = await bank.store.read();
    const accountIds = events.flatMap((e) => (e.type === 'AccountOpened' ? [e.data.accountId] : []));
    expect(accountIds.sort()).toEqual(Object.values(ids).sort());
    const folded = accountIds.map((accountId): AccountView => {
      const state = foldAccount(accountId, events);
      const opening = events.find((e) => e.type === 'AccountOpened' && e.data.accountId === accountId)!;
      const closing = events.find((e) => e.type === 'AccountClosed' && e.data.accountId === accountId);
      return {
        accountId,
        customerName: state.customerName,
        accountType: state.accountType,
        currency: state.currency,
        balance: state.balance,
        status: state.status === 'closed' ? 'closed' : 'open',
        openedAt: opening.occurredAt,
        closedAt: closing?.occurredAt ?? null,
      };
    });
    const byId = (x: AccountView, y: AccountView) => x.accountId.localeCompare(y.accountId);
    expect((await bank.listAccounts()).sort(byId)).toEqual(folded.sort(byId));
    // The script's expected balances, spelled out.
    expect(Object.fromEntries(folded.map((a) => [a.customerName, [a.balance, a.status]]))).toEqual({
      Alice: [10_000 + 2_500 + 4_000 - 1_234 - 3_000, 'open'],
      Bob: [3_000 - 30 + 9, 'open'],
      Carol: [501, 'open'],
      Dave: [0, 'closed'],
    });
  });

  it('bank_statement_lines equals statementLines folded from store.read(), account by account', async () => {
    const { events } = await bank.store.read();
    let total = 0;
    for (const accountId of Object.values(ids)) {
      const expected = statementLines(accountId, events);
      total += expected.length;
      const statement = await bank.getStatement(accountId);
      expect(statement.asOf).toBeNull();
      expect(statement.lines).toEqual(expected);
      expect(statement.balance).toBe(expected.at(-1)!.balanceAfter);
    }
    const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM bank_statement_lines`.execute(bank.db);
    expect(Number(rows[0]?.n)).toBe(total);
  });

  it('getStatement(id, asOf = the first deposit’s occurredAt) includes that deposit (same millisecond) and not the next one', async () => {
    const then = await bank.getStatement(ids.alice, firstDepositAt);
    expect(then.asOf).toEqual(firstDepositAt);
    expect(then.balance).toBe(10_000 + 2_500);
    expect(then.account.balance).toBe(10_000 + 2_500);
    expect(then.lines.map((l) => l.kind)).toEqual(['opening', 'deposit']);
    // As of the store's last event: every event of the account, the same lines as the read model.
    const lastAt = (await bank.store.read()).events.at(-1)!.occurredAt;
    const now = await bank.getStatement(ids.alice, lastAt);
    expect(now.balance).toBe(10_000 + 2_500 + 4_000 - 1_234 - 3_000);
    expect(now.lines).toEqual((await bank.getStatement(ids.alice)).lines);
  });

  it('getStatement(id, asOf) one millisecond before the account’s opening is AccountNotFoundError; a closed account shows its closing', async () => {
    const bobOpenedAt = (await accountEvents(bank, ids.bob))[0]!.occurredAt;
    await expect(bank.getStatement(ids.bob, new Date(bobOpenedAt.getTime() - 1))).rejects.toBeInstanceOf(AccountNotFoundError);
    expect((await bank.getStatement(ids.bob, bobOpenedAt)).lines.map((l) => l.kind)).toEqual(['opening']);
    const dave = await bank.getStatement(ids.dave);
    expect(dave.account).toMatchObject({ status: 'closed', balance: 0 });
    expect(dave.account.closedAt).toBeInstanceOf(Date);
    expect(dave.lines.at(-1)).toMatchObject({ kind: 'closing', amount: 0, balanceAfter: 0 });
  });
});
