import { describe, expect, it } from 'vitest';
import { defineProjection } from './define-projection.js';
import { ConfigurationError } from './errors.js';

type E = { type: 'A'; data: { n: number } };
const base = { name: 'p', version: 1, query: [{ types: ['A' as const] }], setup: async () => {}, reset: async () => {}, handle: async () => {} };

describe('defineProjection handlerTimeoutMs', () => {
  it('accepts a positive integer of milliseconds, or none', () => {
    expect(defineProjection<E, object>({ ...base, handlerTimeoutMs: 500 }).handlerTimeoutMs).toBe(500);
    expect(defineProjection<E, object>(base).handlerTimeoutMs).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 3_000_000_000])('refuses %s with a ConfigurationError', (value) => {
    expect(() => defineProjection<E, object>({ ...base, handlerTimeoutMs: value })).toThrow(ConfigurationError);
  });
});
