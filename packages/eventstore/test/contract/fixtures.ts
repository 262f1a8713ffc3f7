import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { EventStore, NewEvent, Query } from '../../src/index.js';
import type { TestEvent } from '../helpers.js';

/** Makes a store for the contract, and the way to remove it. */
export type MakeStore = () => Promise<{ store: EventStore<TestEvent>; cleanup(): Promise<void> }>;

/** The store shared by one group of contract cases. Cases never assume it is empty: each uses keys of its own. */
export interface SharedStore {
  readonly store: EventStore<TestEvent>;
}

/** Makes a store before the group's cases and removes it after them. */
export function useStore(makeStore: MakeStore): SharedStore {
  let made: Awaited<ReturnType<MakeStore>> | undefined;
  beforeAll(async () => {
    made = await makeStore();
  });
  afterAll(async () => {
    await made?.cleanup();
  });
  return {
    get store() {
      if (!made) throw new Error('the contract store is not made yet');
      return made.store;
    },
  };
}

/** A key no other case uses (an account id), so cases sharing a store never see each other's events. */
export function uniqueKey(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export const deposit = (accountId: string, amount = 10) =>
  ({ type: 'MoneyDeposited', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
export const withdrawal = (accountId: string, amount = 10) =>
  ({ type: 'MoneyWithdrawn', data: { accountId, amount }, tags: [`account:${accountId}`] }) as const;
export const opened = (accountId: string, customerName = 'Ada') =>
  ({ type: 'AccountOpened', data: { accountId, customerName, currency: 'EUR' }, tags: [`account:${accountId}`] }) as const;

/** The deposits and withdrawals of one account. */
export const accountQuery = (accountId: string) =>
  [{ types: ['MoneyDeposited', 'MoneyWithdrawn'], tags: [`account:${accountId}`] }] as const satisfies Query<TestEvent>;

/** Lets a case hand the store what TypeScript would refuse, as JavaScript callers and JSON bodies can. */
export function untyped(value: unknown): NewEvent<TestEvent>[] {
  return value as NewEvent<TestEvent>[];
}

/** A query the types would refuse (payload criteria of untyped events, malformed items). */
export function looseQuery(value: unknown): Query<TestEvent> {
  return value as Query<TestEvent>;
}

/** What a promise rejects with (`undefined` when it resolves). */
export function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The last committed position: cases read "their" events as those after it. */
export async function lastPosition(store: EventStore<TestEvent>): Promise<bigint> {
  return (await store.read(undefined, { backwards: true, limit: 1 })).events[0]?.position ?? 0n;
}

/** Lets queued promise work run (many microtask turns), e.g. an append that would slip in if nothing held it back. */
export async function yieldTurn(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}
