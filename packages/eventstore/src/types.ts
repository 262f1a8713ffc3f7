/** The public types, one file per concern, gathered here: the package's entry point and its modules import them from this file. */
export type { AppendCondition, AppendOptions, AppendResult, CheckedAppendOptions } from './append-types.js';
export type { DecisionSnapshot } from './decision-snapshot.js';
export type { EventMetadata, EventOfType, EventShape, EventType, JsonValue, NewEvent, PayloadOf, StoredEvent } from './event-types.js';
export type { Horizon, HorizonBlocker, Lag, SettledCheckpoint } from './horizon-types.js';
export type {
  CheckedQuery,
  DataCriteria,
  JsonObject,
  NotADataField,
  NotAQueryItemKey,
  Query,
  QueryCheck,
  QueryItem,
  QueryResult,
  ReadonlyJsonValue,
} from './query-types.js';
export type { Head, ReadOptions, ReadResult, StreamOptions } from './read-types.js';
