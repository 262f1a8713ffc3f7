import { createGlobalSetup } from '@tally/test-harness';
import { createEventStore } from '../src/index.js';

export default createGlobalSetup({
  prepareTemplate: async (connectionString) => {
    const store = createEventStore({ connectionString });
    await store.migrate();
    await store.close();
  },
});
