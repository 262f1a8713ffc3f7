import { randomUUID } from 'node:crypto';

/** The payload every contender writes. */
export type DepositData = {
  readonly accountId: string;
  readonly amount: number;
  readonly depositId: string;
};

/** The event every contender writes (raw, Tally and Emmett alike). */
export interface BenchEvent {
  readonly type: 'MoneyDeposited';
  readonly data: DepositData;
  readonly tags: string[];
  readonly metadata: { readonly correlationId: string };
}

/** Event types of the seeded store (the read and latency scenarios); appends write `MoneyDeposited`. */
export const seedTypes = [
  'AccountOpened',
  'MoneyDeposited',
  'MoneyWithdrawn',
  'FeeCharged',
  'InterestPaid',
  'AddressChanged',
  'StatementIssued',
] as const;

export type SeedType = (typeof seedTypes)[number];

/** The Tally event union: one payload shape for every seeded type. */
export interface TallyBenchEvent {
  readonly type: SeedType;
  readonly data: DepositData;
}

/** Types an account's decision reads (and its condition guards). */
export const decisionTypes: SeedType[] = ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn'];

export const accountTag = (accountId: string): string => `account:${accountId}`;

/** A deposit to `accountId`; `n` only varies the amount. */
export function deposit(accountId: string, n: number): BenchEvent {
  return {
    type: 'MoneyDeposited',
    data: { accountId, amount: 1 + (n % 500), depositId: randomUUID() },
    tags: [accountTag(accountId)],
    metadata: { correlationId: randomUUID() },
  };
}

/** `count` deposits to one account (a batch is one account's events, so Emmett can write it to one stream). */
export function deposits(accountId: string, n: number, count: number): BenchEvent[] {
  return Array.from({ length: count }, (_, i) => deposit(accountId, n + i));
}

/**
 * The account a client writes on its `iteration`-th call: each client cycles over its own 1000
 * accounts, so no two clients ever write the same account (no contention on a key in any store).
 */
export function accountFor(scenario: string, client: number, iteration: number): string {
  return `${scenario}-${client}-${iteration % 1000}`;
}
