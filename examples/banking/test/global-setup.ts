import { createGlobalSetup } from '@tally/test-harness';
import { createBank } from '../src/bank.js';

export default createGlobalSetup({
  prepareTemplate: async (connectionString) => {
    const bank = createBank({ connectionString, maxConnections: 2 });
    await bank.migrate();
    await bank.close();
  },
});
