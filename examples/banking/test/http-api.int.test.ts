import { describe, expect, it } from 'vitest';
import { millisecondOf } from '../src/features/views/as-of.js';
import { serveBank, storedMicros, untilServerClockPasses } from './helpers.js';

const { bank, app } = await serveBank();

const post = async (url: string, payload?: unknown) => {
  const response = await app.inject({ method: 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
};
const get = async (url: string) => {
  const response = await app.inject({ method: 'GET', url });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
};
const errorCode = (body: Record<string, unknown>) => (body.error as { code: string }).code;

async function openAccount(customerName: string, initialDeposit = 0): Promise<string> {
  const { status, body } = await post('/accounts', { customerName, initialDeposit });
  expect(status).toBe(201);
  return body.accountId as string;
}

describe('HTTP API', () => {
  it('opens an account with defaults and answers 201 with its id; GET shows it at once', async () => {
    const { status, body } = await post('/accounts', { customerName: 'Grace Hopper' });
    expect(status).toBe(201);
    expect(body).toMatchObject({ customerName: 'Grace Hopper', accountType: 'checking', currency: 'USD', initialDeposit: 0 });
    const view = await get(`/accounts/${body.accountId as string}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ accountId: body.accountId, balance: 0, status: 'open', currency: 'USD' });
  });

  it('answers 201 for a new operation and 200 with replayed: true for its retry', async () => {
    const id = await openAccount('Retry Rita');
    const first = await post(`/accounts/${id}/deposits`, { amount: 1234, depositId: 'dep-1' });
    const again = await post(`/accounts/${id}/deposits`, { amount: 1234, depositId: 'dep-1' });
    expect([first.status, first.body.replayed]).toEqual([201, false]);
    expect([again.status, again.body.replayed]).toEqual([200, true]);
    const other = await post(`/accounts/${id}/deposits`, { amount: 999, depositId: 'dep-1' });
    expect([other.status, errorCode(other.body)]).toEqual([409, 'OPERATION_ID_REUSED']);
  });

  it('makes opening retry-safe with a client-chosen accountId: 201, then 200 replayed; other details → 409', async () => {
    const body = { customerName: 'Idem Ida', initialDeposit: 700, accountId: 'acct-idem-1' };
    const first = await post('/accounts', body);
    const again = await post('/accounts', body);
    expect([first.status, first.body.replayed, first.body.accountId]).toEqual([201, false, 'acct-idem-1']);
    expect([again.status, again.body.replayed, again.body.accountId]).toEqual([200, true, 'acct-idem-1']);
    const changed = await post('/accounts', { ...body, initialDeposit: 800 });
    expect([changed.status, errorCode(changed.body)]).toEqual([409, 'OPERATION_ID_REUSED']);
    const otherId = await post('/accounts', { customerName: 'Idem Ida', accountId: 'acct-idem-2' });
    expect([otherId.status, errorCode(otherId.body)]).toEqual([409, 'DUPLICATE_CUSTOMER_NAME']);
    const { events } = await bank.store.read([{ tags: ['account:acct-idem-1'] }]);
    expect(events).toHaveLength(1);
  });

  it.each([
    ['a string amount', { amount: '100', depositId: 'x1' }],
    ['a fractional amount', { amount: 1.5, depositId: 'x1' }],
    ['a zero amount', { amount: 0, depositId: 'x1' }],
    ['a negative amount', { amount: -5, depositId: 'x1' }],
    ['an amount above the maximum', { amount: 1e16, depositId: 'x1' }],
    ['no operation id', { amount: 100 }],
    ['an operation id with spaces', { amount: 100, depositId: 'a b' }],
    ['an unknown field', { amount: 100, depositId: 'x1', note: 'hi' }],
  ])('refuses a deposit with %s: 400 INVALID_INPUT, nothing written', async (_label, payload) => {
    const id = await openAccount(`Validate ${Math.random()}`);
    const before = (await bank.store.read()).events.length;
    const { status, body } = await post(`/accounts/${id}/deposits`, payload);
    expect(status).toBe(400);
    expect(errorCode(body)).toBe('INVALID_INPUT');
    expect((body.error as { message: string }).message).toMatch(/body/);
    expect((await bank.store.read()).events.length).toBe(before);
  });

  it.each([
    ['an empty name', { customerName: '' }],
    ['an unknown currency', { customerName: 'C1', currency: 'XYZ' }],
    ['a lower-case currency', { customerName: 'C2', currency: 'usd' }],
    ['an unknown account type', { customerName: 'C3', accountType: 'gold' }],
    ['a negative initial deposit', { customerName: 'C4', initialDeposit: -1 }],
    ['control characters in the name', { customerName: 'Bad\u0007Name' }],
  ])('refuses an account with %s: 400', async (_label, payload) => {
    const { status, body } = await post('/accounts', payload);
    expect(status).toBe(400);
    expect(errorCode(body)).toBe('INVALID_INPUT');
  });

  it('refuses malformed JSON and unknown routes with the same error shape', async () => {
    const bad = await app.inject({ method: 'POST', url: '/accounts', headers: { 'content-type': 'application/json' }, payload: '{"customerName":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const nowhere = await get('/nowhere');
    expect([nowhere.status, errorCode(nowhere.body)]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });

  it('answers 404 for an unknown account on every route', async () => {
    const existing = await openAccount('Known Kim', 100);
    const results = await Promise.all([
      get('/accounts/no-such-account'),
      get('/accounts/no-such-account/statement'),
      post('/accounts/no-such-account/deposits', { amount: 1, depositId: 'n1' }),
      post('/accounts/no-such-account/withdrawals', { amount: 1, withdrawalId: 'n2' }),
      post('/accounts/no-such-account/close'),
      post('/transfers', { fromAccountId: existing, toAccountId: 'no-such-account', amount: 1, transferId: 'n3' }),
    ]);
    for (const { status, body } of results) expect([status, errorCode(body)]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
  });

  it('answers 409 for what the rules refuse', async () => {
    const a = await openAccount('Rule Ruth', 500);
    const b = await openAccount('Rule Rob');
    const eur = (await post('/accounts', { customerName: 'Rule Renée', currency: 'EUR' })).body.accountId as string;
    const refusals = [
      await post(`/accounts/${a}/withdrawals`, { amount: 501, withdrawalId: 'r1' }),
      await post('/accounts', { customerName: '  rule   RUTH ' }),
      await post('/transfers', { fromAccountId: a, toAccountId: eur, amount: 1, transferId: 'r2' }),
      await post(`/accounts/${a}/close`),
    ];
    expect(refusals.map((r) => [r.status, errorCode(r.body)])).toEqual([
      [409, 'INSUFFICIENT_FUNDS'],
      [409, 'DUPLICATE_CUSTOMER_NAME'],
      [409, 'CURRENCY_MISMATCH'],
      [409, 'BALANCE_NOT_ZERO'],
    ]);
    expect((await post(`/accounts/${b}/close`)).body).toMatchObject({ status: 'closed', replayed: false });
    expect((await post(`/accounts/${b}/close`)).body).toMatchObject({ status: 'closed', replayed: true });
    const closed = await post(`/accounts/${b}/deposits`, { amount: 1, depositId: 'r3' });
    expect([closed.status, errorCode(closed.body)]).toEqual([409, 'ACCOUNT_CLOSED']);
    const self = await post('/transfers', { fromAccountId: a, toAccountId: a, amount: 1, transferId: 'r4' });
    expect([self.status, errorCode(self.body)]).toEqual([400, 'INVALID_INPUT']);
  });

  it('stores hostile text as data: nothing a client sends becomes SQL', async () => {
    const name = `Robert'); DROP TABLE tally.events; -- "${'\\'}x`;
    const id = await openAccount(name, 100);
    const view = await get(`/accounts/${id}`);
    expect(view.body.customerName).toBe(name);
    const { events } = await bank.store.read();
    expect(events.some((e) => e.type === 'AccountOpened' && e.data.customerName === name)).toBe(true);
  });

  type Line = { kind: string; occurredAt: string; position: string; balanceAfter: number };
  const linesOf = async (id: string): Promise<Line[]> => {
    const { status, body } = await get(`/accounts/${id}/statement`);
    expect(status).toBe(200);
    return body.lines as Line[];
  };

  /**
   * An account with an opening (1000), a deposit (500) and a withdrawal (300), each stamped in its own
   * millisecond (every step waits for the server's clock to leave the previous event's millisecond), and the
   * deposit's line as the API shows it. The deposit is the boundary: its stored occurred_at must have
   * microseconds inside its millisecond (…:00.123456), so that a comparison at microsecond precision would leave
   * it out at asOf = its own occurredAt. One in a thousand lands on …000 exactly: that account is set aside and
   * the scenario played again.
   */
  async function accountWithBoundaryDeposit(): Promise<{ id: string; deposit: Line; withdrawal: Line; storedMicros: bigint }> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const id = await openAccount(`Time Tom ${attempt}`, 1000);
      await untilServerClockPasses(bank, Date.parse((await linesOf(id))[0]!.occurredAt));
      expect((await post(`/accounts/${id}/deposits`, { amount: 500, depositId: 't1' })).status).toBe(201);
      const deposit = (await linesOf(id)).find((line) => line.kind === 'deposit')!;
      await untilServerClockPasses(bank, Date.parse(deposit.occurredAt));
      expect((await post(`/accounts/${id}/withdrawals`, { amount: 300, withdrawalId: 't2' })).status).toBe(201);
      const withdrawal = (await linesOf(id)).find((line) => line.kind === 'withdrawal')!;
      const stored = await storedMicros(bank, BigInt(deposit.position));
      // The API shows the millisecond the rule gives the stored microseconds (truncated, not rounded).
      expect(Date.parse(deposit.occurredAt)).toBe(millisecondOf(stored));
      if (stored % 1000n !== 0n) return { id, deposit, withdrawal, storedMicros: stored };
    }
    throw new Error('three deposits in a row were stamped on a whole millisecond');
  }

  it('serves the statement as of an event’s occurredAt with that event (same millisecond), and without it one millisecond earlier', async () => {
    const { id, deposit, withdrawal, storedMicros: stored } = await accountWithBoundaryDeposit();
    const at = deposit.occurredAt; // e.g. …:00.123Z for an event stored at …:00.123456
    expect(stored).toBeGreaterThan(BigInt(Date.parse(at)) * 1000n); // later than `at` at µs precision

    const asOf = async (time: string) => {
      const { status, body } = await get(`/accounts/${id}/statement?asOf=${encodeURIComponent(time)}`);
      expect(status).toBe(200);
      return { asOf: body.asOf, balance: body.balance, kinds: (body.lines as Line[]).map((line) => line.kind) };
    };
    expect(await asOf(at)).toEqual({ asOf: at, balance: 1500, kinds: ['opening', 'deposit'] });
    const justBefore = new Date(Date.parse(at) - 1).toISOString();
    expect(await asOf(justBefore)).toEqual({ asOf: justBefore, balance: 1000, kinds: ['opening'] });
    // Digits after the millisecond are dropped: …:00.123999 is the millisecond …:00.123.
    expect(await asOf(at.replace('Z', '999Z'))).toEqual({ asOf: at, balance: 1500, kinds: ['opening', 'deposit'] });
    expect(await asOf(withdrawal.occurredAt)).toEqual({ asOf: withdrawal.occurredAt, balance: 1200, kinds: ['opening', 'deposit', 'withdrawal'] });
  });

  it('refuses an asOf that is no date-time with 400 INVALID_INPUT', async () => {
    const id = await openAccount('Time Tina', 100);
    for (const time of ['yesterday', '2026-01-31T23:59:59', '2026-01-31T23:59:60Z']) {
      const { status, body } = await get(`/accounts/${id}/statement?asOf=${encodeURIComponent(time)}`);
      expect([time, status, errorCode(body)]).toEqual([time, 400, 'INVALID_INPUT']);
    }
  });

  it('publishes an OpenAPI description of every route, with the asOf rule (the millisecond an event happened in)', async () => {
    const spec = await get('/openapi.json');
    const paths = spec.body.paths as Record<string, { get?: { parameters?: { name: string; description?: string }[] } }>;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining(['/accounts', '/accounts/{id}', '/accounts/{id}/deposits', '/accounts/{id}/withdrawals', '/transfers', '/accounts/{id}/close', '/accounts/{id}/statement']),
    );
    const asOf = paths['/accounts/{id}/statement']?.get?.parameters?.find((parameter) => parameter.name === 'asOf');
    expect(asOf?.description).toMatch(/belongs to the millisecond it happened in/);
    expect(asOf?.description).toMatch(/database server’s clock/);
  });
});
