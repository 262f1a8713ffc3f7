/**
 * The bank's one rule for "as of" a moment: **an event belongs to the millisecond it happened in**.
 *
 * PostgreSQL stamps `occurred_at` with microseconds (the database server's clock, when the append wrote the
 * event); the API shows and takes times to the millisecond. The statement as of `T` holds every event whose
 * `occurredAt`, truncated to the millisecond, is at or before `T`: everything that happened up to the end of
 * millisecond `T`. So an event at `…:00.123456` is in the statement as of `…:00.123` and not in the one as of
 * `…:00.122`, and a client that asks for its statement as of a time it was shown (an `occurredAt`; or, on the
 * server's clock, any time taken after its request was answered and printed to the millisecond) sees its own
 * operation.
 *
 * Every path compares through `belongsBy`; an SQL query over `occurred_at` would use
 * `date_trunc('milliseconds', occurred_at) <= $asOf`.
 */

/**
 * A moment: a `Date` (milliseconds, as the driver returns `timestamptz` and as the API takes it), or epoch
 * microseconds as a `bigint` (the precision PostgreSQL stores).
 */
export type Moment = Date | bigint;

/** The millisecond a moment falls in, as epoch milliseconds (rounded down, also before 1970). */
export function millisecondOf(moment: Moment): number {
  if (typeof moment !== 'bigint') return Math.floor(moment.getTime());
  const ms = moment / 1000n; // rounds toward zero
  return Number(moment % 1000n < 0n ? ms - 1n : ms);
}

/** Whether an event that occurred at `occurredAt` is in the statement as of `asOf`: its millisecond is at or before `asOf`'s. */
export function belongsBy(occurredAt: Moment, asOf: Moment): boolean {
  return millisecondOf(occurredAt) <= millisecondOf(asOf);
}

/**
 * Reads an `asOf` given as text (ISO 8601, such as `2026-01-31T23:59:59.123Z`) at the API's precision: digits
 * after the millisecond are dropped (`.123456` is the millisecond `.123`), not rounded. `undefined` when the
 * text is not a date-time.
 */
export function parseAsOf(text: string): Date | undefined {
  const date = new Date(text.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}
