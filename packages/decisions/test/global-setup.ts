import { createEventStore } from '@tally/eventstore';
import { createGlobalSetup } from '@tally/test-harness';

export default createGlobalSetup({
  prepareTemplate: async (connectionString) => {
    const store = createEventStore({ connectionString });
    await store.migrate();
    await store.close();
  },
});
