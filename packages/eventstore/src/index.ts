export { createEventStore } from './create-event-store.js';
export type { EventStore, EventStoreSession } from './event-store.js';
export type { EventStoreOptions, KyselyInstance, NotifyMode } from './options.js';
export { formatHead, parseHead } from './head.js';
export {
  AppendConditionError,
  ConfigurationError,
  DatabaseError,
  DatabaseTimeoutError,
  DatabaseUnavailableError,
  EventIdConflictError,
  EventStoreError,
  InvalidEventError,
  InvalidQueryError,
  StoreClosedError,
  TransactionTooOldError,
  UnsupportedIsolationError,
} from './errors.js';
export type { DatabaseOperation, DatabaseTimeoutSqlState, EventStoreErrorCode, InvalidEventCode, InvalidQueryCode } from './errors.js';
export { MAX_CHANNEL_BYTES, MAX_JSON_DEPTH, MAX_POSITION, MAX_TAG_BYTES, MAX_TAGS, MAX_TYPE_BYTES } from './validation.js';
export type { EventStoreTables, EventsTable } from './schema/tables.js';
export type {
  AppendCondition,
  AppendOptions,
  AppendResult,
  CheckedAppendOptions,
  CheckedQuery,
  DecisionSnapshot,
  DataCriteria,
  EventMetadata,
  EventOfType,
  EventShape,
  EventType,
  Head,
  Horizon,
  HorizonBlocker,
  Lag,
  JsonObject,
  JsonValue,
  NewEvent,
  NotADataField,
  NotAQueryItemKey,
  PayloadOf,
  Query,
  QueryItem,
  QueryCheck,
  QueryResult,
  ReadonlyJsonValue,
  ReadOptions,
  ReadResult,
  SettledCheckpoint,
  StoredEvent,
  StreamOptions,
} from './types.js';
export { backoffDelay } from './backoff.js';
export { runMigrations } from './schema/run-migrations.js';
export type { MigrationSet } from './schema/run-migrations.js';
export type { BackoffOptions } from './backoff.js';
export { jsonContains, matchesQuery } from './match-query.js';
export { appendLinks, DEFAULT_MAX_LINKS } from './telemetry/append-links.js';
export type { LinkableEvent } from './telemetry/append-links.js';
export { meterInstruments } from './telemetry/meter-instruments.js';
export { TRACE_CONTEXT_KEYS } from './telemetry/trace-context.js';
export { telemetryOff } from './telemetry/telemetry-off.js';
