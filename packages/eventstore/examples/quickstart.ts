/**
 * A two-minute tour of @tally/eventstore: open accounts, deposit, and see a conditional append refuse
 * a decision that raced with another one. Uses DATABASE_URL, or starts an embedded PostgreSQL.
 *
 *   pnpm demo
 */
import { startEmbeddedServer, type EmbeddedServer } from '@tally/test-harness';
import { AppendConditionError, createEventStore, type Query, type StoredEvent } from '../src/index.js';

type BankEvent =
  | { type: 'AccountOpened'; data: { accountId: string; customerName: string; currency: string } }
  | { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
  | { type: 'MoneyWithdrawn'; data: { accountId: string; amount: number } };

let server: EmbeddedServer | undefined;
let connectionString = process.env.DATABASE_URL;
if (!connectionString) {
  console.log('No DATABASE_URL: starting an embedded PostgreSQL…');
  server = await startEmbeddedServer();
  connectionString = server.url;
}

const store = createEventStore<BankEvent>({ connectionString });
try {
  await store.migrate();
  const accountId = `acc-${Date.now()}`;
  const account: Query<BankEvent> = [{ types: ['AccountOpened', 'MoneyDeposited', 'MoneyWithdrawn'], tags: [`account:${accountId}`] }];

  await store.append([
    { type: 'AccountOpened', data: { accountId, customerName: 'Ada', currency: 'EUR' }, tags: [`account:${accountId}`] },
    { type: 'MoneyDeposited', data: { accountId, amount: 100_00 }, tags: [`account:${accountId}`] },
  ]);

  // A decision: withdraw only what the balance covers. Read the context, decide, append guarded by it.
  const balanceOf = (events: readonly StoredEvent<BankEvent>[]) =>
    events.reduce((sum, e) => (e.type === 'MoneyDeposited' ? sum + e.data.amount : e.type === 'MoneyWithdrawn' ? sum - e.data.amount : sum), 0);

  const first = await store.read(account);
  const second = await store.read(account); // a second request, racing the first
  console.log(`balance seen by both requests: ${balanceOf(first.events) / 100} EUR`);

  await store.append([{ type: 'MoneyWithdrawn', data: { accountId, amount: 80_00 }, tags: [`account:${accountId}`] }], {
    condition: { query: account, after: first.head },
  });
  console.log('request 1: withdrew 80.00 EUR');
  try {
    await store.append([{ type: 'MoneyWithdrawn', data: { accountId, amount: 80_00 }, tags: [`account:${accountId}`] }], {
      condition: { query: account, after: second.head },
    });
    console.log('request 2: withdrew 80.00 EUR (this must not happen)');
    process.exitCode = 1;
  } catch (error) {
    if (!(error instanceof AppendConditionError)) throw error;
    console.log(`request 2: refused (${error.code}): its read is stale, so it re-reads and decides again`);
    const fresh = await store.read(account);
    console.log(`request 2 re-read: balance ${balanceOf(fresh.events) / 100} EUR, not enough for 80.00`);
  }

  for await (const event of store.stream(account)) {
    console.log(`  #${event.position} ${event.type} ${JSON.stringify(event.data)}`);
  }
} finally {
  await store.close();
  await server?.destroy();
}
