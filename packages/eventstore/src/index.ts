export { createEventStore } from './create-event-store.js';
export type { EventStore, EventStoreOptions, EventStoreSession, KyselyInstance, NotifyMode } from './create-event-store.js';
export {
  AppendConditionError,
  ConfigurationError,
  DatabaseUnavailableError,
  EventIdConflictError,
  EventStoreError,
  InvalidEventError,
  InvalidQueryError,
  StoreClosedError,
  UnsupportedIsolationError,
} from './errors.js';
export type { InvalidEventCode, InvalidQueryCode } from './errors.js';
export type { EventStoreTables, EventsTable } from './schema/tables.js';
export type {
  AppendCondition,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventOfType,
  EventShape,
  EventType,
  Head,
  JsonValue,
  NewEvent,
  Query,
  QueryItem,
  QueryResult,
  ReadOptions,
  ReadResult,
  SettledCheckpoint,
  StoredEvent,
  StreamOptions,
} from './types.js';
