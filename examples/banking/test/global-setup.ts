import { randomBytes } from 'node:crypto';
import { createGlobalSetup } from '@tally/test-harness';
import { createBank } from '../src/bank.js';
import { ENCRYPTION_KEY_VARIABLE } from '../src/encryption-key.js';

// One store key for the run, as a deployment has one: the test files' banks, and the API, CLI and worker
// processes they start (they inherit the environment), share it.
process.env[ENCRYPTION_KEY_VARIABLE] ||= randomBytes(32).toString('base64');

export default createGlobalSetup({
  prepareTemplate: async (connectionString) => {
    const bank = createBank({ connectionString, maxConnections: 2 });
    await bank.migrate();
    await bank.close();
  },
});
