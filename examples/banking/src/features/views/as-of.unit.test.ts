import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { belongsBy, millisecondOf, parseAsOf } from './as-of.js';

/** Epoch microseconds (what PostgreSQL stores) of an ISO time plus some microseconds. */
const micros = (iso: string, extraMicros = 0) => BigInt(Date.parse(iso)) * 1000n + BigInt(extraMicros);

describe('belongsBy: an event belongs to the millisecond it happened in', () => {
  // Stored as PostgreSQL keeps it: 09:00:00.123456. A strict comparison (<) or one at microsecond precision
  // (123456 µs > 123000 µs) leaves it out of the statement as of .123; the rule keeps it in.
  const event = micros('2026-01-01T09:00:00.123Z', 456);

  it('an event at .123456 is in the statement as of .123 and not in the one as of .122', () => {
    expect(belongsBy(event, new Date('2026-01-01T09:00:00.123Z'))).toBe(true);
    expect(belongsBy(event, new Date('2026-01-01T09:00:00.122Z'))).toBe(false);
  });

  it('rounds microseconds down, never up: .123999 is still the millisecond .123, .124000 is the next', () => {
    expect(millisecondOf(micros('2026-01-01T09:00:00.123Z', 999))).toBe(Date.parse('2026-01-01T09:00:00.123Z'));
    expect(belongsBy(micros('2026-01-01T09:00:00.123Z', 999), new Date('2026-01-01T09:00:00.123Z'))).toBe(true);
    expect(belongsBy(micros('2026-01-01T09:00:00.124Z'), new Date('2026-01-01T09:00:00.123Z'))).toBe(false);
  });

  it('rounds down before 1970 too (a negative epoch is not rounded toward zero)', () => {
    expect(millisecondOf(-1n)).toBe(-1);
    expect(millisecondOf(-1000n)).toBe(-1);
    expect(millisecondOf(-1001n)).toBe(-2);
    expect(belongsBy(-1n, new Date(-1))).toBe(true);
    expect(belongsBy(-1n, new Date(-2))).toBe(false);
  });

  it('compares a Date (what the driver returns, what the API takes) at its millisecond, boundary included', () => {
    const at = new Date('2026-01-01T09:00:00.123Z');
    expect(belongsBy(at, at)).toBe(true);
    expect(belongsBy(at, new Date(at.getTime() - 1))).toBe(false);
    expect(belongsBy(at, new Date(at.getTime() + 1))).toBe(true);
  });

  it('the pg driver reads a timestamptz as the millisecond the rule gives its microseconds (it truncates, never rounds up)', () => {
    const parse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => Date;
    const subMillisecond = [...Array.from({ length: 2000 }, (_, i) => i), 123_456, ...Array.from({ length: 2000 }, (_, i) => 998_000 + i)];
    for (const us of subMillisecond) {
      const text = `2026-01-01 09:00:00.${String(us).padStart(6, '0')}+00`;
      expect(parse(text).getTime(), text).toBe(millisecondOf(micros('2026-01-01T09:00:00Z', us)));
    }
  });
});

describe('parseAsOf: asOf at the API’s precision', () => {
  it('drops the digits after the millisecond (.123456 is the millisecond .123, not rounded to .124)', () => {
    expect(parseAsOf('2026-01-01T09:00:00.123456Z')?.toISOString()).toBe('2026-01-01T09:00:00.123Z');
    expect(parseAsOf('2026-01-01T09:00:00.123999999Z')?.toISOString()).toBe('2026-01-01T09:00:00.123Z');
  });

  it('reads shorter fractions, none, and time zone offsets as ISO 8601 says', () => {
    expect(parseAsOf('2026-01-01T09:00:00.1Z')?.toISOString()).toBe('2026-01-01T09:00:00.100Z');
    expect(parseAsOf('2026-01-01T09:00:00Z')?.toISOString()).toBe('2026-01-01T09:00:00.000Z');
    expect(parseAsOf('2026-01-01T11:00:00.123456+02:00')?.toISOString()).toBe('2026-01-01T09:00:00.123Z');
  });

  it('returns undefined for text that is no date-time (a leap second included: a Date cannot hold it)', () => {
    expect(parseAsOf('yesterday')).toBeUndefined();
    expect(parseAsOf('2026-01-01T23:59:60Z')).toBeUndefined();
  });
});
