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
  EventVersionError,
  InvalidEventError,
  InvalidQueryError,
  StoreClosedError,
  TransactionTooOldError,
  UnsupportedIsolationError,
} from './errors.js';
export type { DatabaseOperation } from './classify-database-error.js';
export type { DatabaseTimeoutSqlState, EventStoreErrorCode, EventVersionCode, InvalidEventCode, InvalidQueryCode } from './errors.js';
export { upcasterChain } from './codec/upcasters.js';
export type { UpcasterChain, Upcasters } from './codec/upcasters.js';
export type { EventSchemas, EventsOf } from './codec/event-schemas.js';
export type { CodecOptions } from './codec/codec-options.js';
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
export type { SealResult, VerifyOptions, VerifyProblem, VerifyResult } from './verify-types.js';
export { backoffDelay } from './backoff.js';
export { runMigrations } from './schema/run-migrations.js';
export type { MigrationSet } from './schema/run-migrations.js';
export type { BackoffOptions } from './backoff.js';
export { jsonContains, matchesQuery } from './match-query.js';
export { EncryptionKeyError, SubjectErasedError } from './encryption-errors.js';
export type { EncryptionKeyCode } from './encryption-errors.js';
export { isErased } from './personal-data/erased.js';
export type { Erasable, Erased } from './personal-data/erased.js';
export type {
  EncryptionKeyOption,
  KeyMaterial,
  KeyRing,
  PersonalDataEntry,
  PersonalDataMap,
  PersonalDataOptions,
} from './personal-data/personal-data-options.js';
export type { EraseSubjectOptions, ErasureResult } from './personal-data/erase-subject.js';
export type { Erasure, PersonalDataOperations } from './personal-data/personal-data-operations.js';
export { appendLinks, DEFAULT_MAX_LINKS } from './telemetry/append-links.js';
export type { LinkableEvent } from './telemetry/append-links.js';
export { meterInstruments } from './telemetry/meter-instruments.js';
export { TRACE_CONTEXT_KEYS } from './telemetry/trace-context.js';
export { telemetryOff } from './telemetry/telemetry-off.js';
export { scopedTracer } from './telemetry/scoped-tracer.js';
