import { describe, expect, it } from 'vitest';
import { buildSchemaName } from './build-schema-name.js';
import { defineProjection } from './define-projection.js';
import { ConfigurationError } from './errors.js';

describe('buildSchemaName', () => {
  it('is the store schema, _build_ and 8 hex digits of the projection name: stable, distinct per projection', () => {
    expect(buildSchemaName('tally', 'bank-accounts')).toMatch(/^tally_build_[0-9a-f]{8}$/);
    expect(buildSchemaName('tally', 'bank-accounts')).toBe(buildSchemaName('tally', 'bank-accounts'));
    expect(buildSchemaName('tally', 'bank-accounts')).not.toBe(buildSchemaName('tally', 'bank-statements'));
  });

  it('stays within 63 bytes for a long store schema name', () => {
    const name = buildSchemaName('s'.repeat(60), 'p');
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^tally_[0-9a-f]{8}_build_[0-9a-f]{8}$/);
  });
});

type E = { type: 'A'; data: { n: number } };
const base = { name: 'p', version: 1, query: [{ types: ['A' as const] }], setup: async () => {}, reset: async () => {}, handle: async () => {} };

describe('defineProjection tables', () => {
  it('accepts distinct unqualified table names', () => {
    expect(defineProjection<E, object>({ ...base, tables: ['bank_accounts', 'Lines$2'] }).tables).toEqual(['bank_accounts', 'Lines$2']);
  });

  it.each([[[]], [['public.bank_accounts']], [['a', 'a']], [['']], [['x'.repeat(64)]], [['drop table']]])('refuses %j with a ConfigurationError', (tables) => {
    expect(() => defineProjection<E, object>({ ...base, tables })).toThrow(ConfigurationError);
  });
});
