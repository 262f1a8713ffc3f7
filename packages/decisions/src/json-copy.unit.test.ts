import { describe, expect, it } from 'vitest';
import { copyJson } from './json-copy.js';

describe('copyJson', () => {
  it('gives what a JSON round trip gives, sharing nothing', () => {
    const value = { a: 1, b: undefined, c: { d: [1, { e: 'x', f: undefined }], g: null }, h: -0, i: true };
    const copy = copyJson(value);
    expect(copy).toStrictEqual(JSON.parse(JSON.stringify(value)));
    expect(Object.is(copy.h, 0)).toBe(true);
    value.c.d.push(2);
    expect(copy.c.d).toHaveLength(2);
  });

  it('keeps a "__proto__" key a key', () => {
    const copy = copyJson(JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
