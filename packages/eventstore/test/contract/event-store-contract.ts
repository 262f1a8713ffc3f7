import { describe } from 'vitest';
import { appendAndReadCases } from './append-read-cases.js';
import { badInputCases } from './bad-input-cases.js';
import { conditionCases } from './condition-cases.js';
import { useStore, type MakeStore } from './fixtures.js';
import { idempotencyCases } from './idempotency-cases.js';
import { lifecycleCases } from './lifecycle-cases.js';
import { sealCases } from './seal-cases.js';
import { settledCases } from './settled-cases.js';
import { snapshotCases } from './snapshot-cases.js';
import { streamCases } from './stream-cases.js';
import { transactionCases } from './transaction-cases.js';

export type { MakeStore } from './fixtures.js';

/**
 * The behaviour every `EventStore<TestEvent>` shares, whatever keeps the events: one suite, run against the
 * PostgreSQL store and the memory store. One store (from `makeStore`) serves the cases, which never assume it
 * is empty; a second one is made for the cases about another store's heads and about `close()`. What only
 * PostgreSQL can do (out-of-order commits, joining a caller's Kysely transaction, horizon blockers, isolation
 * levels) is tested in the PostgreSQL store's own files.
 */
export function describeEventStoreContract(name: string, makeStore: MakeStore): void {
  // bench's contract-speed.ts --warm: the suite once before, so the timed run is what a process that already ran
  // some tests pays (the first calls of each code path compile, the first HMAC key loads), not the start-up.
  if (process.env.TALLY_CONTRACT_WARMUP === '1') describeCases(`EventStore contract (warm-up): ${name}`, makeStore);
  describeCases(`EventStore contract: ${name}`, makeStore);
}

function describeCases(title: string, makeStore: MakeStore): void {
  describe(title, () => {
    const shared = useStore(makeStore);
    appendAndReadCases(shared);
    conditionCases(shared);
    idempotencyCases(shared);
    badInputCases(shared);
    streamCases(shared);
    settledCases(shared);
    transactionCases(shared);
    snapshotCases(shared);
    sealCases(shared);
    lifecycleCases(shared, makeStore);
  });
}
