import { randomUUID } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Projector } from '@tally/projections';
import type { Bank } from '../bank.js';
import { formatMoney, parseAmount } from '../domain/money.js';
import { parseAsOf } from '../features/views/as-of.js';
import { accountsTable, statementTable } from './format.js';

export interface CliContext {
  readonly bank: Bank;
  readonly projector: Projector;
  readonly print: (text: string) => void;
}

const accountType = (value: string) => {
  if (value !== 'checking' && value !== 'savings') throw new InvalidArgumentError('must be checking or savings');
  return value;
};

const isoTime = (value: string) => {
  const date = parseAsOf(value);
  if (!date) throw new InvalidArgumentError('must be a date-time such as 2026-11-23T10:00:00Z');
  return date;
};

/**
 * The bank's commands, for one line of input (a fresh program each time: commander keeps option values
 * between parses). Errors are thrown to the caller, which prints them.
 */
export function bankProgram({ bank, projector, print }: CliContext): Command {
  const program = new Command('bank')
    .description('A bank on Tally. Amounts are typed in the currency’s notation (12.34) and stored in minor units.')
    .exitOverride()
    .configureOutput({ writeOut: print, writeErr: print })
    .showHelpAfterError();
  const currencyOf = async (accountId: string) => (await bank.getAccount(accountId)).currency;
  // Views read the projections: let them catch up with this process's last write first.
  const fresh = async () => {
    try {
      await projector.waitForCatchUp({ timeoutMs: 5_000 });
    } catch (error) {
      print(`note: the views may be behind (${error instanceof Error ? error.message : String(error)})`);
    }
  };

  program
    .command('open')
    .description('open an account')
    .argument('<customer name...>', 'unique across the bank: names that look alike (case, spacing, full-width or look-alike letters, invisible characters) are one name')
    .option('--type <type>', 'checking or savings', accountType, 'checking')
    .option('--currency <code>', 'ISO 4217 code', 'USD')
    .option('--initial <amount>', 'initial deposit', '0')
    .option('--account-id <id>', 'retry-safe id of the new account (default: a new UUID)')
    .action(async (name: string[], options: { type: 'checking' | 'savings'; currency: string; initial: string; accountId?: string }) => {
      const opened = await bank.openAccount({
        accountId: options.accountId,
        customerName: name.join(' '),
        accountType: options.type,
        currency: options.currency,
        initialDeposit: options.initial === '0' ? 0 : parseAmount(options.initial, options.currency, 'initial deposit'),
      });
      print(`${opened.replayed ? 'already opened' : 'opened'} ${opened.accountType} account ${opened.accountId} for ${opened.customerName} with ${formatMoney(opened.initialDeposit, opened.currency)}`);
    });

  program
    .command('deposit')
    .description('deposit money into an open account')
    .argument('<account>', 'account id')
    .argument('<amount>', 'in the currency’s notation, such as 12.34 (more than zero)')
    .option('--id <operation id>', 'retry-safe id of this deposit (default: a new one)')
    .action(async (accountId: string, amount: string, options: { id?: string }) => {
      const currency = await currencyOf(accountId);
      const done = await bank.deposit({ accountId, amount: parseAmount(amount, currency), depositId: options.id ?? randomUUID() });
      print(`${done.replayed ? 'already deposited' : 'deposited'} ${formatMoney(done.amount, currency)} (deposit ${done.depositId})`);
    });

  program
    .command('withdraw')
    .description('withdraw money from an open account (never below zero)')
    .argument('<account>', 'account id')
    .argument('<amount>', 'in the currency’s notation, such as 12.34 (more than zero)')
    .option('--id <operation id>', 'retry-safe id of this withdrawal (default: a new one)')
    .action(async (accountId: string, amount: string, options: { id?: string }) => {
      const currency = await currencyOf(accountId);
      const done = await bank.withdraw({ accountId, amount: parseAmount(amount, currency), withdrawalId: options.id ?? randomUUID() });
      print(`${done.replayed ? 'already withdrawn' : 'withdrew'} ${formatMoney(done.amount, currency)} (withdrawal ${done.withdrawalId})`);
    });

  program
    .command('transfer')
    .description('move money between two open accounts of the same currency')
    .argument('<from account>', 'account id the money leaves')
    .argument('<to account>', 'account id the money reaches')
    .argument('<amount>', 'in the currency’s notation, such as 12.34 (more than zero)')
    .option('--id <operation id>', 'retry-safe id of this transfer (default: a new one)')
    .action(async (fromAccountId: string, toAccountId: string, amount: string, options: { id?: string }) => {
      const currency = await currencyOf(fromAccountId);
      const done = await bank.transfer({ fromAccountId, toAccountId, amount: parseAmount(amount, currency), transferId: options.id ?? randomUUID() });
      print(`${done.replayed ? 'already transferred' : 'transferred'} ${formatMoney(done.amount, currency)} (transfer ${done.transferId})`);
    });

  program
    .command('close')
    .description('close an account whose balance is zero')
    .argument('<account>', 'account id')
    .action(async (accountId: string) => {
      const done = await bank.closeAccount({ accountId });
      print(done.replayed ? `account ${accountId} was already closed` : `closed account ${accountId}`);
    });

  program
    .command('erase')
    .description('forget the customer of an account (right to erasure): the name is destroyed, the money stays')
    .argument('<account>', 'account id')
    .action(async (accountId: string) => {
      const done = await bank.eraseCustomer(accountId, { erasedBy: 'cli' });
      print(done.alreadyErased ? `the customer of ${accountId} was already erased` : `erased the customer of ${accountId}`);
    });

  program
    .command('view')
    .description('show one account and its balance')
    .argument('<account>', 'account id')
    .action(async (accountId: string) => {
      await fresh();
      print(accountsTable([await bank.getAccount(accountId)]));
    });

  program
    .command('list')
    .description('list the accounts by customer name')
    .addOption(new Option('--status <status>', 'only the open or the closed accounts').choices(['open', 'closed'] as const))
    .action(async (options: { status?: 'open' | 'closed' }) => {
      await fresh();
      const accounts = await bank.listAccounts({ status: options.status });
      print(accounts.length === 0 ? 'no accounts yet' : accountsTable(accounts));
    });

  program
    .command('statement')
    .description('show an account’s movements with the running balance')
    .argument('<account>', 'account id')
    .option('--as-of <time>', 'as it was at the end of this millisecond (ISO 8601, the database server’s clock), folded from the events', isoTime)
    .action(async (accountId: string, options: { asOf?: Date }) => {
      await fresh();
      print(statementTable(await bank.getStatement(accountId, options.asOf)));
    });

  return program;
}

/** Splits a typed line into words; "double" or 'single' quotes keep spaces. */
export function splitWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

/** Is this commander's own "stop" (help shown, unknown command…), already printed? */
export const isCommanderExit = (error: unknown): error is CommanderError => error instanceof CommanderError;
