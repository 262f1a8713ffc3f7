/**
 * `pnpm bank`: the bank's interactive CLI (or one command: `pnpm bank deposit <account> 12.50`).
 * Uses DATABASE_URL, else an embedded PostgreSQL; runs the projections in this process (alongside any
 * `tally-projector` workers: they share them through the database).
 */
import { createInterface } from 'node:readline/promises';
import { createBank } from '../bank.js';
import { bankEncryptionKey } from '../encryption-key.js';
import { openDatabase } from '../database.js';
import { BankError } from '../domain/errors.js';
import { stopOnSignals } from '../shutdown.js';
import { bankProgram, isCommanderExit, splitWords } from './commands.js';

const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

const database = await openDatabase(print);
const bank = createBank({ connectionString: database.connectionString, maxConnections: 4, encryptionKey: bankEncryptionKey({ throwaway: database.embedded }) });
// SIGTERM (or Ctrl-C while a one-shot command runs): the pools, then the embedded server and its folder, then exit 0.
stopOnSignals(async () => {
  await bank.close();
  await database.stop();
}, print);
let exitCode = 0;
try {
  await bank.migrate();
  const projector = await bank.startProjector();

  /** Runs one command; prints refusals and errors instead of throwing. Returns false on failure. */
  const run = async (words: string[]): Promise<boolean> => {
    try {
      await bankProgram({ bank, projector, print }).parseAsync(words, { from: 'user' });
      return true;
    } catch (error) {
      if (isCommanderExit(error)) return error.exitCode === 0;
      if (error instanceof BankError) print(`refused: ${error.code} — ${error.message}`);
      else print(`error: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  if (args.length > 0) {
    exitCode = (await run(args)) ? 0 : 1;
  } else {
    print('Tally bank — commands: open, deposit, withdraw, transfer, close, view, list, statement, help, exit');
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'bank> ' });
    // Ctrl-C at the prompt (a key press in a terminal, not a signal) ends the session like `exit`.
    rl.on('SIGINT', () => rl.close());
    rl.prompt();
    for await (const line of rl) {
      const words = splitWords(line);
      if (words[0] === 'exit' || words[0] === 'quit') break;
      if (words.length > 0) await run(words);
      rl.prompt();
    }
    rl.close();
  }
} finally {
  await bank.close();
  await database.stop();
}
process.exitCode = exitCode;
