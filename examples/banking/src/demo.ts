/**
 * `pnpm demo`: the bank in two minutes. Starts an embedded PostgreSQL (or uses DATABASE_URL), migrates, runs
 * the projector in this process, plays a short scenario through every slice — including requests the rules
 * refuse — prints the read models, and exits.
 */
import { randomUUID } from 'node:crypto';
import { createBank, type Bank } from './bank.js';
import { demoErasure } from './demo/erase-customer.js';
import { bankEncryptionKey } from './encryption-key.js';
import { accountsTable, statementTable } from './cli/format.js';
import { openDatabase } from './database.js';
import { BankError } from './domain/errors.js';
import { accountTag } from './domain/events.js';
import { formatMoney } from './domain/money.js';
import { demoUpcast } from './demo/upcast-step.js';
import { stopOnSignals } from './shutdown.js';
import { verifyStep } from './demo/verify-step.js';

const say = (line: string) => console.log(line);
const opId = () => randomUUID();

/** Runs a request the rules must refuse, and shows the refusal. */
async function refused(what: string, request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (error) {
    if (!(error instanceof BankError)) throw error;
    say(`  ✗ ${what}: refused ${error.code} — ${error.message}`);
    return;
  }
  throw new Error(`${what} was accepted; the rules should have refused it`);
}

async function scenario(bank: Bank): Promise<{ asOf: Date; bobId: string; adaId: string; adaName: string }> {
  // A suffix keeps names unique when the demo runs twice against the same DATABASE_URL.
  const suffix = process.env.DATABASE_URL ? ` ${randomUUID().slice(0, 4)}` : '';
  say('\n1. Open accounts (customer names are unique: enforced by the append condition)');
  const ada = await bank.openAccount({ customerName: `Ada Lovelace${suffix}`, initialDeposit: 100_00 });
  const bob = await bank.openAccount({ customerName: `Bob Marley${suffix}`, accountType: 'savings' });
  const chloe = await bank.openAccount({ customerName: `Chloé Zhao${suffix}`, currency: 'EUR', initialDeposit: 20_00 });
  for (const a of [ada, bob, chloe]) say(`  ✓ opened ${a.accountType} ${a.accountId} for ${a.customerName} with ${formatMoney(a.initialDeposit, a.currency)}`);
  await refused('open a second account for "ADA  lovelace"', () => bank.openAccount({ customerName: `ADA  lovelace${suffix.toUpperCase()}` }));
  // Names that look alike are one name: full-width letters and a Cyrillic "А" (U+0410) are Ada's name too.
  await refused('open one for "Ａｄａ Lovelace" (full-width)', () => bank.openAccount({ customerName: `Ａｄａ Lovelace${suffix}` }));
  await refused('open one for "\u0410da Lovelace" (Cyrillic А)', () => bank.openAccount({ customerName: `\u0410da Lovelace${suffix}` }));

  say('\n2. Deposit — with a retry of the same request');
  const depositId = opId();
  const first = await bank.deposit({ accountId: bob.accountId, amount: 50_00, depositId });
  const retry = await bank.deposit({ accountId: bob.accountId, amount: 50_00, depositId });
  say(`  ✓ deposited ${formatMoney(first.amount, first.currency)} to Bob (replayed: ${first.replayed})`);
  say(`  ✓ the client retried deposit ${depositId.slice(0, 8)}…: applied once (replayed: ${retry.replayed})`);
  // The deposit's own time as the store stamped it (the database server's clock, to the millisecond), not this
  // process's clock: the statement as of it includes the deposit, whatever the two clocks say.
  const asOf = (await bank.store.read([{ tags: [accountTag(bob.accountId)] }])).events.at(-1)!.occurredAt;

  say('\n3. Withdraw — never below zero');
  await bank.withdraw({ accountId: ada.accountId, amount: 30_00, withdrawalId: opId() });
  say('  ✓ Ada withdrew 30.00 USD');
  await refused('Bob withdraws 1,000.00 USD', () => bank.withdraw({ accountId: bob.accountId, amount: 1000_00, withdrawalId: opId() }));
  const racing = await Promise.allSettled([
    bank.withdraw({ accountId: bob.accountId, amount: 40_00, withdrawalId: opId() }),
    bank.withdraw({ accountId: bob.accountId, amount: 40_00, withdrawalId: opId() }),
  ]);
  const won = racing.filter((r) => r.status === 'fulfilled').length;
  say(`  ✓ two concurrent 40.00 USD withdrawals from Bob's 50.00 USD: ${won} applied, ${racing.length - won} refused (INSUFFICIENT_FUNDS)`);

  say('\n4. Transfer — both accounts open, same currency, enough funds');
  await bank.transfer({ fromAccountId: ada.accountId, toAccountId: bob.accountId, amount: 20_00, transferId: opId() });
  say('  ✓ Ada → Bob 20.00 USD');
  await refused('Ada → Chloé 5.00 USD', () => bank.transfer({ fromAccountId: ada.accountId, toAccountId: chloe.accountId, amount: 5_00, transferId: opId() }));

  say('\n5. Close — only at a zero balance');
  await refused('close Ada (50.00 USD left)', () => bank.closeAccount({ accountId: ada.accountId }));
  await bank.withdraw({ accountId: chloe.accountId, amount: 20_00, withdrawalId: opId() });
  await bank.closeAccount({ accountId: chloe.accountId });
  say('  ✓ Chloé withdrew her 20.00 EUR and closed her account');
  await refused('deposit to Chloé’s closed account', () => bank.deposit({ accountId: chloe.accountId, amount: 1_00, depositId: opId() }));
  return { asOf, bobId: bob.accountId, adaId: ada.accountId, adaName: ada.customerName };
}

const database = await openDatabase(say);
const encryptionKey = bankEncryptionKey({ throwaway: database.embedded });
const bank = createBank({ connectionString: database.connectionString, encryptionKey });
// Ctrl-C or SIGTERM mid-scenario: the pools, then the embedded server and its folder, then exit 0.
stopOnSignals(async () => {
  await bank.close();
  await database.stop();
}, say);
try {
  await bank.migrate();
  const projector = await bank.startProjector();
  const { asOf, bobId, adaId, adaName } = await scenario(bank);

  say('\n6. Views (projections run by the projector, checkpoint in the same transaction as the read tables)');
  await projector.waitForCatchUp();
  say(accountsTable(await bank.listAccounts()));
  say(statementTable(await bank.getStatement(bobId)));
  say('\n7. Temporal query: Bob’s account as of the millisecond of his deposit (folded from the events)');
  say(statementTable(await bank.getStatement(bobId, asOf)));
  await demoUpcast(bank, database.connectionString, encryptionKey, say);
  await demoErasure(bank, projector, database.connectionString, { accountId: adaId, name: adaName }, say);
  await verifyStep(bank.store, say);
  const events = await bank.store.read();
  say(`\n${events.events.length} events in the store; every balance above is a fold of them.`);
} finally {
  await bank.close();
  await database.stop();
}
