import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT, MAX_BALANCE } from '../src/domain/money.js';
import { serveBank } from './helpers.js';
import { deposited } from './history.js';

/** Every input a client can get wrong answers 4xx in one error shape, never 500; and the OpenAPI says so. */
const { bank, app } = await serveBank();

type ErrorJson = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Answer = { status: number; body: ErrorJson & Record<string, unknown> };

async function send(method: 'GET' | 'POST', url: string, payload?: string | object, contentType = 'application/json'): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload, headers: { 'content-type': contentType } }),
  });
  return { status: response.statusCode, body: response.json() };
}

/** The one error shape: code and message strings, details (when there) an object of strings and numbers. */
function expectErrorShape(answer: Answer): void {
  expect(Object.keys(answer.body)).toEqual(['error']);
  const { code, message, details } = answer.body.error;
  expect(typeof code).toBe('string');
  expect(typeof message).toBe('string');
  if (details !== undefined) {
    expect(Array.isArray(details)).toBe(false);
    for (const value of Object.values(details)) expect(['string', 'number']).toContain(typeof value);
  }
  // Raw validator wording never reaches the client.
  expect(message).not.toMatch(/must match pattern|must be equal to constant|must match a schema in anyOf|must NOT have/);
}

async function openAccount(customerName: string): Promise<string> {
  const answer = await send('POST', '/accounts', { customerName });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.accountId as string;
}

describe('HTTP errors', () => {
  it('refuses a customerName holding a lone surrogate with 400 INVALID_INPUT (the store cannot keep it), not 500', async () => {
    for (const name of ['\\ud800', 'Ada \\udfff Lovelace']) {
      // Written as JSON text: the escape reaches the server as a lone surrogate.
      const answer = await send('POST', '/accounts', `{"customerName":"${name}"}`);
      expect([answer.status, answer.body.error.code, answer.body.error.details]).toEqual([400, 'INVALID_INPUT', { field: 'customerName' }]);
      expectErrorShape(answer);
    }
  });

  it('refuses a name whose uniqueness key would be too long for a tag with 400, not 500', async () => {
    const answer = await send('POST', '/accounts', { customerName: '\ufdfa'.repeat(100) });
    expect([answer.status, answer.body.error.code]).toEqual([400, 'INVALID_INPUT']);
  });

  it.each([
    ['full-width', 'Ｊｏｈｎ Ｈｏｍｏｇｌｙｐｈ'],
    ['a Cyrillic Ј', '\u0408ohn Homoglyph'],
    ['a zero-width space', 'Jo\u200bhn Homoglyph'],
    ['a soft hyphen', 'Jo\u00adhn Homoglyph'],
    ['upper case and extra spaces', '  JOHN   HOMOGLYPH '],
  ])('refuses a look-alike of a taken name (%s) with 409 DUPLICATE_CUSTOMER_NAME', async (_label, name) => {
    const first = await send('POST', '/accounts', { customerName: 'John Homoglyph', accountId: 'john-homoglyph' });
    expect([200, 201]).toContain(first.status);
    const answer = await send('POST', '/accounts', { customerName: name });
    expect([answer.status, answer.body.error.code]).toEqual([409, 'DUPLICATE_CUSTOMER_NAME']);
    expectErrorShape(answer);
  });

  it.each([
    ['GET', '/accounts?status=frozen', undefined, 'status', /one of open, closed.*"frozen"/],
    ['GET', '/accounts?limit=0', undefined, 'limit', /limit in the query string must be a whole number from 1 to 1000/],
    ['GET', '/accounts?limit=abc', undefined, 'limit', /from 1 to 1000/],
    ['GET', '/accounts?offset=-1', undefined, 'offset', /offset/],
    ['GET', '/accounts?sort=name', undefined, 'sort', /unknown field "sort"; the fields are status, limit, offset/],
    ['GET', '/accounts/bad%20id', undefined, 'id', /id in the path must be an id of 1 to 64 letters/],
    ['POST', '/accounts', { customerName: 'Valid Val', accountType: 'gold' }, 'accountType', /one of checking, savings.*"gold"/],
    ['POST', '/accounts', { customerName: 'Valid Val', currency: 'usd' }, 'currency', /ISO 4217/],
    ['POST', '/accounts', { customerName: '' }, 'customerName', /1 to 100 characters/],
    ['POST', '/accounts', { accountType: 'savings' }, 'customerName', /customerName in the body is required/],
    ['POST', '/accounts', [1, 2], '', /must be a JSON object/],
    ['POST', '/accounts/x1/deposits', { amount: 1.5, depositId: 'd1' }, 'amount', /amount in the body must be an integer/],
    ['POST', '/accounts/x1/deposits', { amount: 0, depositId: 'd1' }, 'amount', new RegExp(`from 1 to ${MAX_AMOUNT}`)],
    ['POST', '/accounts/x1/deposits', { amount: '100', depositId: 'd1' }, 'amount', /must be an integer, got "100"/],
    ['POST', '/accounts/x1/withdrawals', { amount: 5, withdrawalId: 'a b' }, 'withdrawalId', /letters, digits/],
    ['POST', '/transfers', { fromAccountId: 'a', toAccountId: 'b', amount: 5 }, 'transferId', /transferId in the body is required/],
  ] as const)('%s %s answers 400 INVALID_INPUT with details.field and a readable message', async (method, url, payload, field, message) => {
    const answer = await send(method, url, payload);
    expect([answer.status, answer.body.error.code, answer.body.error.details]).toEqual([400, 'INVALID_INPUT', { field }]);
    expect(answer.body.error.message).toMatch(message);
    expectErrorShape(answer);
  });

  it('answers a body over 16 KiB with 413, a body that is not JSON with 415, malformed JSON with 400: one shape', async () => {
    const large = await send('POST', '/accounts', { customerName: 'x'.repeat(17 * 1024) });
    expect([large.status, large.body.error.code]).toEqual([413, 'BODY_TOO_LARGE']);
    expect(large.body.error.message).toMatch(/16384 bytes \(16 KiB\)/);
    const text = await send('POST', '/accounts', 'customerName=Ada', 'text/plain');
    expect([text.status, text.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const broken = await send('POST', '/accounts', '{"customerName":');
    expect([broken.status, broken.body.error.code]).toEqual([400, 'BAD_REQUEST']);
    for (const answer of [large, text, broken]) expectErrorShape(answer);
  });

  it('answers an asOf before the account was opened with "did not exist yet at that time"', async () => {
    const id = await openAccount('Late Larry');
    const answer = await send('GET', `/accounts/${id}/statement?asOf=2000-01-01T00:00:00.000Z`);
    expect([answer.status, answer.body.error.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
    expect(answer.body.error.message).toBe(`account ${id} did not exist yet at 2000-01-01T00:00:00.000Z: it was opened later`);
    const never = await send('GET', '/accounts/never-opened/statement?asOf=2000-01-01T00:00:00.000Z');
    expect(never.body.error.message).toBe('account never-opened does not exist');
  });

  it('refuses a deposit past 2^53 − 1 minor units with 409 BALANCE_LIMIT_EXCEEDED; up to the limit is accepted', async () => {
    const id = await openAccount('Rich Rhonda');
    await bank.store.append(Array.from({ length: 900 }, (_, i) => deposited(id, MAX_AMOUNT, `seed-${i}`)));
    const room = MAX_BALANCE - 900 * MAX_AMOUNT;
    const over = await send('POST', `/accounts/${id}/deposits`, { amount: room + 1, depositId: 'over' });
    expect([over.status, over.body.error.code]).toEqual([409, 'BALANCE_LIMIT_EXCEEDED']);
    expect(over.body.error.details).toEqual({ accountId: id, balance: 900 * MAX_AMOUNT, amount: room + 1, limit: MAX_BALANCE });
    expectErrorShape(over);
    expect((await send('POST', `/accounts/${id}/deposits`, { amount: room, depositId: 'exact' })).status).toBe(201);
    expect((await send('GET', `/accounts/${id}`)).body.balance).toBe(MAX_BALANCE);
  });

  it('describes every status of every route in OpenAPI, with the error schema and the body limit', async () => {
    const spec = (await send('GET', '/openapi.json')).body as unknown as {
      info: { description: string };
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, { description: string; content?: Record<string, { schema: { title?: string } }> }> }>>;
    };
    expect(spec.info.description).toMatch(/16384 bytes \(16 KiB\)/);
    expect(spec.info.description).toMatch(/2\^53 − 1/);
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const statuses = Object.keys(operation.responses);
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['200', '400', '500', '503']));
        if (operation.requestBody) expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(['201', '413', '415']));
        for (const [status, response] of Object.entries(operation.responses)) {
          expect(response.description, `${method} ${path} ${status}`).not.toBe('Default Response');
          if (Number(status) >= 400) expect(response.content?.['application/json']?.schema.title, `${method} ${path} ${status}`).toBe('Error');
        }
      }
    }
  });
});
