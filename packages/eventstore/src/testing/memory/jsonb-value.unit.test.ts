import { describe, expect, it } from 'vitest';
import { compareJsonbKeys, jsonbText } from './jsonb-value.js';

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
