import { describe, expect, it } from 'vitest';
import { ConsoleRequestError } from '../errors.js';
import { checkAdminToken } from './check-admin-token.js';
import { parseActionBody, parseEventDetail, parseEventQuery, parsePosition } from './parse-request.js';

const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ConsoleRequestError);
    const e = error as ConsoleRequestError;
    return { code: e.code, parameter: e.parameter, status: e.status };
  }
  throw new Error('expected a refusal');
};

describe('console input validation', () => {
  it('reads an event query: types, tag, one keyset bound, a bounded limit', () => {
    expect(parseEventQuery(new URLSearchParams('types=A, B&tag=account:1&after=10&limit=20'))).toEqual({ filter: { types: ['A', 'B'], tag: 'account:1' }, after: 10n, limit: 20 });
    expect(parseEventQuery(new URLSearchParams(''))).toEqual({ filter: { types: [], tag: null }, limit: 50 });
    expect(parseEventQuery(new URLSearchParams('before=9223372036854775807'))).toMatchObject({ before: 9223372036854775807n });
  });

  it('refuses what is not a position, a limit out of range, both bounds, unknown or repeated parameters', () => {
    // Naive version caught: Number()/parseInt would accept '1e3', ' 7', '0x10' and '-1'.
    for (const bad of ['0', '-1', '1e3', ' 7', '0x10', '01', '9223372036854775808', '1.5', '']) {
      expect(refusal(() => parsePosition(bad, 'after'))).toEqual({ code: 'INVALID_REQUEST', parameter: 'after', status: 400 });
    }
    for (const [query, parameter] of [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=2.5', 'limit'],
      ['after=1&before=2', 'before'],
      ['offset=10', 'offset'],
      ['tag=a&tag=b', 'tag'],
      ['types=A,,B', 'types'],
      [`types=${Array.from({ length: 21 }, (_, i) => `T${i}`).join(',')}`, 'types'],
      [`tag=${'x'.repeat(1025)}`, 'tag'],
    ] as const) {
      expect(refusal(() => parseEventQuery(new URLSearchParams(query)))).toMatchObject({ parameter });
    }
    expect(refusal(() => parseEventDetail('5', new URLSearchParams('window=2000000')))).toMatchObject({ parameter: 'window' });
    expect(parseEventDetail('5', new URLSearchParams(''))).toEqual({ position: 5n, window: 10_000 });
  });

  it('reads action bodies as a form or JSON, refusing other types and unknown fields', () => {
    expect(parseActionBody('application/x-www-form-urlencoded; charset=utf-8', 'token=t&position=4')).toEqual(new Map([['token', 't'], ['position', '4']]));
    expect(parseActionBody('application/json', '{"position":"4"}')).toEqual(new Map([['position', '4']]));
    expect(parseActionBody('application/json', '')).toEqual(new Map());
    expect(refusal(() => parseActionBody('text/plain', 'token=t'))).toMatchObject({ parameter: 'content-type' });
    expect(refusal(() => parseActionBody('application/json', '{"token":"t"}'))).toMatchObject({ parameter: 'token' });
    expect(refusal(() => parseActionBody('application/json', '[1]'))).toMatchObject({ parameter: 'body' });
    expect(refusal(() => parseActionBody('application/json', '{'))).toMatchObject({ parameter: 'body' });
    expect(refusal(() => parseActionBody('application/x-www-form-urlencoded', 'position=1&extra=2'))).toMatchObject({ parameter: 'extra' });
  });

  it('lets an action through only with the configured token', () => {
    // Naive versions caught: no token configured treated as "anything goes"; a prefix or empty token accepted.
    expect(refusal(() => checkAdminToken(undefined, 'x'))).toEqual({ code: 'CONSOLE_READ_ONLY', parameter: undefined, status: 403 });
    expect(refusal(() => checkAdminToken('', ''))).toMatchObject({ code: 'CONSOLE_READ_ONLY' });
    for (const given of [undefined, '', 'secre', 'secret ', 'SECRET']) expect(refusal(() => checkAdminToken('secret', given))).toMatchObject({ code: 'ADMIN_TOKEN_INVALID' });
    expect(() => checkAdminToken('secret', 'secret')).not.toThrow();
  });
});
