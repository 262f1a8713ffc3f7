import { beforeAll, describe, expect, it } from 'vitest';
import type { Bank } from '../src/bank.js';
import { AccountNotFoundError, InvalidInputError, RuleViolationError } from '../src/domain/errors.js';
import { customerTag, depositTag } from '../src/domain/events.js';
import { accountEvents, expectRefused, foldFromStore, fulfilled, refusalCodes, setupBank, type Racers } from './helpers.js';

let bank: Bank;
let racers: (n: number) => Promise<Racers>;
beforeAll(async () => {
  ({ bank, racers } = await setupBank());
});

let names = 0;
/** Opens an account for a new customer. */
const openWith = async (initialDeposit: number, currency = 'USD') =>
  (await bank.openAccount({ customerName: `Customer ${++names} ${Math.random()}`, initialDeposit, currency })).accountId;

/** Runs `race` on fresh racers and closes them afterwards, so a test never holds more connections than it needs. */
async function withRacers<T>(n: number, race: (r: Racers) => Promise<T>): Promise<T> {
  const r = await racers(n);
  try {
    return await race(r);
  } finally {
    await r.close();
  }
}

describe('happy paths through createBank', () => {
  it('opens an account: the event is stored, and getAccount finds it before any projector ran', async () => {
    const result = await bank.openAccount({ customerName: '  Ada Lovelace ', accountType: 'savings', currency: 'EUR', initialDeposit: 1_000 });
    expect(result).toMatchObject({ customerName: 'Ada Lovelace', accountType: 'savings', currency: 'EUR', initialDeposit: 1_000 });
    expect(result.accountId).toMatch(/^[0-9a-f-]{36}$/);
    const events = await accountEvents(bank, result.accountId);
    expect(events.map((e) => e.type)).toEqual(['AccountOpened']);
    expect(events[0]!.tags).toContain(await customerTag(bank.store, 'ada lovelace'));
    await expect(bank.getAccount(result.accountId)).resolves.toMatchObject({ balance: 1_000, status: 'open', currency: 'EUR', customerName: 'Ada Lovelace' });
  });

  it('refuses a second account for the same name in another case with DUPLICATE_CUSTOMER_NAME', async () => {
    await bank.openAccount({ customerName: 'Grace Hopper' });
    await expect(bank.openAccount({ customerName: 'GRACE  hopper' })).rejects.toMatchObject({ code: 'DUPLICATE_CUSTOMER_NAME' });
  });

  it('deposits, and a retry of the same deposit id is answered as a replay without a second event', async () => {
    const id = await openWith(0);
    const first = await bank.deposit({ accountId: id, amount: 500, depositId: `dep-${id}` });
    expect(first).toEqual({ accountId: id, depositId: `dep-${id}`, amount: 500, currency: 'USD', replayed: false });
    const again = await bank.deposit({ accountId: id, amount: 500, depositId: `dep-${id}` });
    expect(again).toEqual({ ...first, replayed: true });
    expect((await foldFromStore(bank, id)).balance).toBe(500);
    await expect(bank.deposit({ accountId: id, amount: 501, depositId: `dep-${id}` })).rejects.toMatchObject({ code: 'OPERATION_ID_REUSED' });
  });

  it('withdraws down to exactly zero, then refuses one cent more with INSUFFICIENT_FUNDS and the balance', async () => {
    const id = await openWith(100);
    await expect(bank.withdraw({ accountId: id, amount: 100, withdrawalId: 'w-all' })).resolves.toMatchObject({ amount: 100, replayed: false });
    const error = await bank.withdraw({ accountId: id, amount: 1, withdrawalId: 'w-more' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RuleViolationError);
    expect(error).toMatchObject({ code: 'INSUFFICIENT_FUNDS', details: { balance: 0, amount: 1 } });
    await expect(bank.withdraw({ accountId: id, amount: 100, withdrawalId: 'w-all' })).resolves.toMatchObject({ replayed: true });
    expect((await foldFromStore(bank, id)).balance).toBe(0);
  });

  it('transfers between accounts of one currency, and refuses another currency or a closed target', async () => {
    const from = await openWith(1_000);
    const to = await openWith(0);
    await expect(bank.transfer({ fromAccountId: from, toAccountId: to, amount: 400, transferId: `t-${from}` })).resolves.toMatchObject({ replayed: false, currency: 'USD' });
    expect((await foldFromStore(bank, from)).balance).toBe(600);
    expect((await foldFromStore(bank, to)).balance).toBe(400);
    const euro = await openWith(0, 'EUR');
    await expect(bank.transfer({ fromAccountId: from, toAccountId: euro, amount: 1, transferId: `t2-${from}` })).rejects.toMatchObject({ code: 'CURRENCY_MISMATCH' });
    const gone = await openWith(0);
    await bank.closeAccount({ accountId: gone });
    await expect(bank.transfer({ fromAccountId: from, toAccountId: gone, amount: 1, transferId: `t3-${from}` })).rejects.toMatchObject({ code: 'ACCOUNT_CLOSED' });
    await expect(bank.transfer({ fromAccountId: from, toAccountId: from, amount: 1, transferId: `t4-${from}` })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('closes an empty account, answers a second close as a replay, and refuses deposits afterwards', async () => {
    const id = await openWith(50);
    await expect(bank.closeAccount({ accountId: id })).rejects.toMatchObject({ code: 'BALANCE_NOT_ZERO', details: { balance: 50 } });
    await bank.withdraw({ accountId: id, amount: 50, withdrawalId: `empty-${id}` });
    await expect(bank.closeAccount({ accountId: id })).resolves.toEqual({ accountId: id, replayed: false });
    await expect(bank.closeAccount({ accountId: id })).resolves.toEqual({ accountId: id, replayed: true });
    await expect(bank.deposit({ accountId: id, amount: 1, depositId: `late-${id}` })).rejects.toMatchObject({ code: 'ACCOUNT_CLOSED' });
    const state = await foldFromStore(bank, id);
    expect(state).toMatchObject({ status: 'closed', balance: 0 });
  });

  it('refuses an unknown account with AccountNotFoundError in every slice', async () => {
    const nobody = 'no-such-account';
    await expect(bank.deposit({ accountId: nobody, amount: 1, depositId: 'x1' })).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(bank.withdraw({ accountId: nobody, amount: 1, withdrawalId: 'x2' })).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(bank.closeAccount({ accountId: nobody })).rejects.toBeInstanceOf(AccountNotFoundError);
    await expect(bank.getAccount(nobody)).rejects.toBeInstanceOf(AccountNotFoundError);
  });

  it('refuses invalid input before touching the database', async () => {
    await expect(bank.deposit({ accountId: 'a1', amount: 1.5, depositId: 'd' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'amount' });
    await expect(bank.openAccount({ customerName: 'X', currency: 'usd' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'currency' });
  });
});

describe('races on separate connections', () => {
  it('(a) 20 concurrent withdrawals of 60 from 100: exactly one succeeds, the rest INSUFFICIENT_FUNDS, never below zero', async () => {
    const id = await openWith(100);
    const outcomes = await withRacers(20, (r) =>
      Promise.allSettled(r.banks.map((b, i) => b.withdraw({ accountId: id, amount: 60, withdrawalId: `race-a-${i}` }))),
    );
    expect(fulfilled(outcomes)).toHaveLength(1);
    expect(refusalCodes(outcomes)).toEqual(Array.from({ length: 19 }, () => 'INSUFFICIENT_FUNDS'));
    for (const outcome of outcomes) if (outcome.status === 'rejected') expectRefused(outcome, 'INSUFFICIENT_FUNDS');
    const state = await foldFromStore(bank, id);
    expect(state.balance).toBe(40);
    expect(state.lowestBalance).toBeGreaterThanOrEqual(0);
    expect(state.events).toBe(2);
  });

  it('(b) 10 concurrent openAccount for one name in different letter case: exactly one succeeds, the rest DUPLICATE_CUSTOMER_NAME', async () => {
    const spellings = ['Race Customer', 'race customer', 'RACE CUSTOMER', 'Race customer', 'race Customer', 'rAce cUstomer', 'RaCe CuStOmEr', ' race  customer ', 'RACE customer', 'race CUSTOMER'];
    const outcomes = await withRacers(10, (r) => Promise.allSettled(spellings.map((customerName, i) => r.at(i).openAccount({ customerName }))));
    expect(fulfilled(outcomes)).toHaveLength(1);
    expect(refusalCodes(outcomes)).toEqual(Array.from({ length: 9 }, () => 'DUPLICATE_CUSTOMER_NAME'));
    const { events } = await bank.store.read([{ tags: [await customerTag(bank.store, 'race customer')] }]);
    expect(events).toHaveLength(1);
  });

  it('(c) 10 concurrent retries of one deposit id: applied once, every answer the same', async () => {
    const id = await openWith(0);
    const outcomes = await withRacers(10, (r) => Promise.allSettled(r.banks.map((b) => b.deposit({ accountId: id, amount: 700, depositId: `race-c-${id}` }))));
    expect(refusalCodes(outcomes)).toEqual([]);
    const answers = fulfilled(outcomes);
    expect(answers).toHaveLength(10);
    for (const { replayed: _replayed, ...answer } of answers) expect(answer).toEqual({ accountId: id, depositId: `race-c-${id}`, amount: 700, currency: 'USD' });
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    const { events } = await bank.store.read([{ tags: [depositTag(`race-c-${id}`)] }]);
    expect(events).toHaveLength(1);
    expect((await foldFromStore(bank, id)).balance).toBe(700);
  });

  it('(d) concurrent transfers A→B and B→A and withdrawals conserve money and never overdraw', async () => {
    // Were every request accepted, A and B would each end at 300 - 1000 + 1000 - 500 = -200: some must be refused.
    const a = await openWith(300);
    const b = await openWith(300);
    const requests: ((bank: Bank) => Promise<unknown>)[] = [];
    for (let i = 0; i < 10; i++) {
      requests.push((x) => x.transfer({ fromAccountId: a, toAccountId: b, amount: 100, transferId: `ab-${a}-${i}` }));
      requests.push((x) => x.transfer({ fromAccountId: b, toAccountId: a, amount: 100, transferId: `ba-${a}-${i}` }));
    }
    for (let i = 0; i < 5; i++) {
      requests.push((x) => x.withdraw({ accountId: a, amount: 100, withdrawalId: `wa-${a}-${i}` }));
      requests.push((x) => x.withdraw({ accountId: b, amount: 100, withdrawalId: `wb-${a}-${i}` }));
    }
    const outcomes = await withRacers(15, (r) => Promise.allSettled(requests.map((request, i) => request(r.at(i)))));
    // A lost race is decided again: the only refusals are the rules', never a half-applied request.
    for (const code of refusalCodes(outcomes)) expect(['INSUFFICIENT_FUNDS', 'CONCURRENCY_CONFLICT']).toContain(code);
    const events = (await bank.store.read([{ tags: [`account:${a}`] }, { tags: [`account:${b}`] }])).events;
    const withdrawn = events.reduce((sum, e) => sum + (e.type === 'MoneyWithdrawn' ? e.data.amount : 0), 0);
    const moves = events.filter((e) => e.type === 'MoneyTransferred' || e.type === 'MoneyWithdrawn');
    expect(moves).toHaveLength(fulfilled(outcomes).length);
    const stateA = await foldFromStore(bank, a);
    const stateB = await foldFromStore(bank, b);
    expect(stateA.balance + stateB.balance).toBe(600 - withdrawn);
    expect(stateA.lowestBalance).toBeGreaterThanOrEqual(0);
    expect(stateB.lowestBalance).toBeGreaterThanOrEqual(0);
  });

  it('(e) close racing a deposit: exactly one wins, and a closed account never holds money', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => openWith(0)));
    const results = await withRacers(20, (r) =>
      Promise.all(
        ids.map(async (id, i) => {
          const [close, deposit] = await Promise.allSettled([
            r.at(2 * i).closeAccount({ accountId: id }),
            r.at(2 * i + 1).deposit({ accountId: id, amount: 50, depositId: `race-e-${id}` }),
          ]);
          return { id, close, deposit };
        }),
      ),
    );
    for (const { id, close, deposit } of results) {
      const state = await foldFromStore(bank, id);
      if (state.status === 'closed') expect(state.balance).toBe(0);
      if (close.status === 'fulfilled') {
        expect(state).toMatchObject({ status: 'closed', balance: 0 });
        expectRefused(deposit, 'ACCOUNT_CLOSED');
      } else {
        expectRefused(close, 'BALANCE_NOT_ZERO');
        expect(deposit.status).toBe('fulfilled');
        expect(state).toMatchObject({ status: 'open', balance: 50 });
      }
    }
  });
});
