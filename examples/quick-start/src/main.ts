/**
 * The quick start of docs/in-your-project.md, run end to end: append, a conditional append that wins and one
 * that loses, a projection kept by an in-process projector, and its read query. Exits 1 if anything is not as
 * expected. Uses DATABASE_URL, or starts an embedded PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { AppendConditionError, createEventStore, formatHead, parseHead, type Query } from '@tally/eventstore';
import { createInMemoryEventStore } from '@tally/eventstore/testing';
import { createProjector, silentLogger } from '@tally/projections';
import { balanceOf, balancesProjection } from './balances.js';
import { startDatabase } from './database.js';
import { accountTag, type AccountEvent } from './events.js';
import { createReadDb } from './read-db.js';
import { withdraw } from './withdraw.js';

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`quick start: expected ${what}`);
  console.log(`ok: ${what}`);
}

// #region memory
// The decision alone, on the in-memory store of @tally/eventstore/testing: no database needed.
const memory = createInMemoryEventStore<AccountEvent>();
await memory.append([{ type: 'MoneyDeposited', data: { accountId: 'm1', amount: 50 }, tags: [accountTag('m1')] }]);
check(!(await withdraw(memory, 'm1', 80)), 'the in-memory store refuses to withdraw 80 from 50');
// #endregion memory

const database = await startDatabase();
const { connectionString } = database;
// #region setup
const store = createEventStore<AccountEvent>({ connectionString });
await store.migrate(); // creates or updates the store's schema; idempotent, safe from several processes at once
// #endregion setup
// #region projector
const projector = createProjector({ store, projections: [balancesProjection], connectionString, logger: silentLogger });
const readDb = createReadDb(connectionString);
// #endregion projector
try {
  const accountId = randomUUID();
  // #region append
  await store.append([
    { type: 'AccountOpened', data: { accountId, owner: 'Ada' }, tags: [accountTag(accountId)] },
    { type: 'MoneyDeposited', data: { accountId, amount: 100 }, tags: [accountTag(accountId)] },
  ]);
  // #endregion append
  check(await withdraw(store, accountId, 30), 'a withdrawal of 30 from 100 is appended');
  check(!(await withdraw(store, accountId, 80)), 'a withdrawal of 80 from 70 is refused');

  // #region race
  // Two requests read the same account, then both try to withdraw 60 of its 70.
  const account = [{ tags: [accountTag(accountId)] }] satisfies Query<AccountEvent>;
  const first = await store.read(account);
  const second = await store.read(account);
  // A head is a string: store it (a text column, a form field, an ETag) and parse it when it comes back.
  const savedHead: string = formatHead(second.head);

  await store.append([{ type: 'MoneyWithdrawn', data: { accountId, amount: 60 }, tags: [accountTag(accountId)] }], {
    condition: { query: account, after: first.head },
  });
  try {
    await store.append([{ type: 'MoneyWithdrawn', data: { accountId, amount: 60 }, tags: [accountTag(accountId)] }], {
      condition: { query: account, after: parseHead(savedHead) },
    });
    throw new Error('quick start: the second withdrawal should have been refused');
  } catch (error) {
    if (!(error instanceof AppendConditionError)) throw error;
    // The account changed since `second` was read: read again and decide again.
  }
  // #endregion race
  console.log('ok: of two racing withdrawals, the second is refused with AppendConditionError');

  // #region project
  await projector.start();
  await projector.waitForCatchUp(); // every event committed before this call is in the read model
  const balance = await balanceOf(readDb, accountId);
  // #endregion project
  check(balance === 10, `the projection shows a balance of 10 (got ${balance})`);
  console.log('quick start: ok');
} finally {
  await projector.stop();
  await readDb.destroy();
  await store.close();
  await database.stop();
}
