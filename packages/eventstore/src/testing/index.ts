export { createTestStore } from './create-test-store.js';
export type { TestStore, TestStoreOptions } from './create-test-store.js';
export { storedEvents } from './stored-events.js';
export type { StoredEventsOptions } from './stored-events.js';
