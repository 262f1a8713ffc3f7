import { describe, expect, it } from 'vitest';
import { compareJsonbKeys, copyJsonbValue, jsonbText, jsonbValue } from './jsonb-value.js';

describe('jsonbText', () => {
  it('orders keys as jsonb does: shorter first, then by UTF-8 bytes, at every depth', () => {
    expect(jsonbText({ bb: 1, a: { zz: 1, y: 2 }, c: [{ b: 1, a: 2 }] })).toBe('{"a":{"y":2,"zz":1},"c":[{"a":2,"b":1}],"bb":1}');
    // 'é' is two bytes: longer than 'z', and after it
    expect(['é', 'z', 'ab'].sort(compareJsonbKeys)).toEqual(['z', 'ab', 'é']);
    // by bytes, not UTF-16 code units: both 4 bytes; EF… before F0…, although U+FF5E comes after the surrogate D83D
    expect(['😀', '～a'].sort(compareJsonbKeys)).toEqual(['～a', '😀']);
    expect(jsonbText({ '😀': 1, '～a': 2, é: 3, z: 4, ab: 5 })).toBe('{"z":4,"ab":5,"é":3,"～a":2,"😀":1}');
  });

  it('drops undefined properties, writes -0 as 0, keeps array order and nulls', () => {
    expect(jsonbText({ a: undefined, b: -0, c: [3, null, 1] })).toBe('{"b":0,"c":[3,null,1]}');
    expect(jsonbText('text')).toBe('"text"');
  });

  it('keeps a "__proto__" key a key', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    const copy = JSON.parse(jsonbText(value)) as Record<string, unknown>;
    expect(Object.keys(copy)).toEqual(['a', '__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('jsonbValue and copyJsonbValue', () => {
  it('give what a jsonb round trip gives: keys in jsonb order, undefined properties dropped, -0 as 0', () => {
    const value = { bb: 1, a: { zz: undefined, y: -0 }, c: [{ b: 1, a: 2 }, 'x', null, true] };
    const stored = jsonbValue(value);
    expect(JSON.stringify(stored)).toBe(jsonbText(value));
    expect(Object.is((stored as { a: { y: number } }).a.y, 0)).toBe(true);
    expect(JSON.stringify(copyJsonbValue(stored))).toBe(jsonbText(value));
  });

  it('share nothing with what they copy, at any depth', () => {
    const value = { a: { list: [{ n: 1 }] } };
    const stored = jsonbValue(value) as typeof value;
    value.a.list[0]!.n = 2;
    expect(stored.a.list[0]!.n).toBe(1);
    const copy = copyJsonbValue(stored) as typeof value;
    copy.a.list.push({ n: 3 });
    expect(stored.a.list).toEqual([{ n: 1 }]);
  });

  it('keep a "__proto__" key a key', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    for (const copy of [jsonbValue(value), copyJsonbValue(jsonbValue(value))] as Record<string, unknown>[]) {
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(Object.keys(copy)).toEqual(['a', '__proto__']);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
