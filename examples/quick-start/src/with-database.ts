/**
 * Runs one command with DATABASE_URL set to a database from `startDatabase()`, then stops it:
 *   node dist/with-database.js <command> [args…]
 * Exits with the command's exit code.
 */
import { spawnSync } from 'node:child_process';
import { startDatabase } from './database.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-database <command> [args…]');
  process.exit(2);
}
const database = await startDatabase();
let status: number;
try {
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, DATABASE_URL: database.connectionString } });
  status = result.status ?? 1;
} finally {
  await database.stop();
}
process.exit(status);
