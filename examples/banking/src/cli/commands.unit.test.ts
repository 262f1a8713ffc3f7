import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { Bank } from '../bank.js';
import { InvalidInputError } from '../domain/errors.js';
import type { AccountView } from '../features/views/queries.js';
import type { Projector } from '@tally/projections';
import { bankProgram } from './commands.js';

const account: AccountView = {
  accountId: 'grace',
  customerName: 'Grace Hopper',
  accountType: 'checking',
  currency: 'USD',
  balance: 0,
  status: 'open',
  openedAt: new Date(0),
  closedAt: null,
};

/** Runs one command line on a bank that knows one account; returns what it printed and what it threw. */
async function run(words: string[]): Promise<{ printed: string; thrown: unknown; listed: unknown[] }> {
  let printed = '';
  const listed: unknown[] = [];
  const bank = {
    getAccount: async () => account,
    listAccounts: async (options: unknown) => {
      listed.push(options);
      return [account];
    },
    deposit: async () => {
      throw new Error('the deposit must not be sent');
    },
  } as Partial<Bank> as Bank;
  const projector = { waitForCatchUp: async () => {} } as Partial<Projector> as Projector;
  let thrown: unknown;
  try {
    await bankProgram({ bank, projector, print: (text) => (printed += text) }).parseAsync(words, { from: 'user' });
  } catch (error) {
    thrown = error;
  }
  return { printed, thrown, listed };
}

describe('the bank CLI', () => {
  it('refuses `list --status frozen` with a message naming the allowed values (and a failing exit)', async () => {
    const { printed, thrown, listed } = await run(['list', '--status', 'frozen']);
    expect(printed).toMatch(/'frozen' is invalid\. Allowed choices are open, closed/);
    expect(thrown).toBeInstanceOf(CommanderError);
    expect((thrown as CommanderError).exitCode).toBe(1);
    expect(listed).toEqual([]);
    expect((await run(['list', '--status', 'closed'])).listed).toEqual([{ status: 'closed' }]);
  });

  it('answers `help deposit` with the help of deposit, not the general help', async () => {
    const { printed, thrown } = await run(['help', 'deposit']);
    expect(printed).toMatch(/Usage: bank deposit \[options\] <account> <amount>/);
    expect(printed).toMatch(/deposit money into an open account/);
    expect(printed).not.toMatch(/Commands:/);
    expect((thrown as CommanderError).exitCode).toBe(0);
  });

  it('describes every command and every argument', () => {
    const program = bankProgram({ bank: {} as Bank, projector: {} as Projector, print: () => {} });
    const commands = program.commands.map((command) => command.name());
    expect(commands).toEqual(['open', 'deposit', 'withdraw', 'transfer', 'close', 'erase', 'view', 'list', 'statement']);
    for (const command of program.commands) {
      expect(command.description(), command.name()).not.toBe('');
      for (const argument of command.registeredArguments) expect(argument.description, `${command.name()} <${argument.name()}>`).not.toBe('');
    }
  });

  it('reads `deposit grace -5` as the amount -5 and refuses it as not greater than zero (not as an unknown option)', async () => {
    const { printed, thrown } = await run(['deposit', 'grace', '-5']);
    expect(printed).not.toMatch(/unknown option/);
    expect(thrown).toBeInstanceOf(InvalidInputError);
    expect((thrown as InvalidInputError).message).toBe('amount must be greater than zero, got "-5"');
  });
});
