export { createTestStore } from './create-test-store.js';
export type { TestStore, TestStoreOptions } from './create-test-store.js';
export { storedEvents } from './stored-events.js';
export type { StoredEventsOptions } from './stored-events.js';
export { createInMemoryEventStore } from './memory/create-in-memory-event-store.js';
export type { InMemoryEventStore } from './memory/create-in-memory-event-store.js';
export type { InMemoryEventStoreOptions } from './memory/memory-runtime.js';
export type { HistoryEvent } from './memory/memory-history.js';
export { jsonbContains } from '../jsonb-contains.js';
