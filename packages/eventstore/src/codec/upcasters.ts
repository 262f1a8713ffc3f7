import type { EventShape, EventType, PayloadOf } from '../types.js';

/**
 * One type's upcasters, oldest first: the first takes the data of version 1, each returns the next version's,
 * and the last returns the current shape (the data of the union's member). Earlier shapes are the ones old code
 * stored: declare them as the parameter types (`(v1: DepositV1) => …`); {@link upcasterChain} checks that each
 * step takes what the one before returns.
 */
export type UpcasterChain<Latest> = readonly [...((data: never) => unknown)[], (data: never) => Latest];

/**
 * The `upcasters` option: for each event type whose shape changed, its chain of upcasters. A type with `n`
 * upcasters is at schema version `n + 1`; one without is at version 1.
 * @example
 * type DepositV1 = { accountId: string; amount: number };
 * const upcasters: Upcasters<BankEvent> = {
 *   MoneyDeposited: upcasterChain((v1: DepositV1) => ({ ...v1, currency: 'EUR' })),
 * };
 */
export type Upcasters<E extends EventShape> = { readonly [K in EventType<E>]?: UpcasterChain<PayloadOf<E, K>> };

/**
 * A chain of upcasters whose steps are checked against each other: each takes what the step before returns.
 * Only the first needs its parameter declared (the oldest stored shape).
 * @example
 * upcasterChain(
 *   (v1: { accountId: string; amount: number }) => ({ ...v1, currency: 'EUR' }),
 *   (v2) => ({ ...v2, depositId: `legacy-${v2.accountId}` }),
 * )
 */
export function upcasterChain<A, B>(f1: (a: A) => B): readonly [(a: A) => B];
export function upcasterChain<A, B, C>(f1: (a: A) => B, f2: (b: B) => C): readonly [(a: A) => B, (b: B) => C];
export function upcasterChain<A, B, C, D>(f1: (a: A) => B, f2: (b: B) => C, f3: (c: C) => D): readonly [(a: A) => B, (b: B) => C, (c: C) => D];
export function upcasterChain<A, B, C, D, F>(
  f1: (a: A) => B,
  f2: (b: B) => C,
  f3: (c: C) => D,
  f4: (d: D) => F,
): readonly [(a: A) => B, (b: B) => C, (c: C) => D, (d: D) => F];
export function upcasterChain(...steps: readonly ((data: never) => unknown)[]): readonly ((data: never) => unknown)[] {
  return steps;
}
