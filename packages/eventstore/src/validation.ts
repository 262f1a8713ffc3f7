import { ConfigurationError, InvalidEventError, InvalidQueryError } from './errors.js';
import { isPlainObject, jsonProblem, MAX_JSON_DEPTH, nameProblem, textProblem } from './json-problem.js';
import type { EventShape, NewEvent, Query } from './types.js';

export { jsonProblem, MAX_JSON_DEPTH };

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Longest event type, in bytes of UTF-8 (types are indexed and part of lock keys). */
export const MAX_TYPE_BYTES = 200;
/**
 * Longest tag, in bytes of UTF-8. Each tag is a B-tree index entry (PostgreSQL refuses entries above about
 * 2,700 bytes) and a GIN entry; 1,024 leaves room for both.
 */
export const MAX_TAG_BYTES = 1024;
/** Most distinct tags on one event (and in one query item, which could never match more). */
export const MAX_TAGS = 64;
/** Longest NOTIFY channel name, in bytes of UTF-8 (PostgreSQL's identifier length, NAMEDATALEN - 1). */
export const MAX_CHANNEL_BYTES = 63;
/** Largest position: positions are `bigint` columns. */
export const MAX_POSITION = 2n ** 63n - 1n;

/** A row ready for the append function; `json` is its serialised form. */
export interface PreparedEvent {
  readonly id: string | undefined;
  readonly type: string;
  readonly data: unknown;
  readonly tags: readonly string[];
  readonly metadata: Record<string, unknown>;
}

/**
 * Checks a batch before anything reaches the database and merges the call's metadata into each event.
 * @throws {InvalidEventError}
 */
export function prepareEvents<E extends EventShape>(
  events: readonly NewEvent<E>[],
  callMetadata: Record<string, unknown> | undefined,
  maxEventBytes: number,
): PreparedEvent[] {
  if (!Array.isArray(events)) throw new InvalidEventError('INVALID_EVENT', 'append() takes an array of events');
  if (events.length === 0) throw new InvalidEventError('EMPTY_APPEND', 'append() needs at least one event');
  if (callMetadata !== undefined) {
    if (!isPlainObject(callMetadata)) throw new InvalidEventError('INVALID_METADATA', 'options.metadata must be a plain object');
    const problem = jsonProblem(callMetadata, 'options.metadata');
    if (problem) throw new InvalidEventError('INVALID_METADATA', problem);
  }
  const prepared: PreparedEvent[] = [];
  const ids = new Set<string>();
  events.forEach((event: unknown, index) => {
    const at = `events[${index}]`;
    if (!isPlainObject(event)) throw new InvalidEventError('INVALID_EVENT', `${at} is not an object`, index);
    const { type, data, tags, metadata, id } = event;
    if (typeof type !== 'string' || type.trim() === '') {
      throw new InvalidEventError('INVALID_EVENT_TYPE', `${at}.type must be a non-empty string`, index, 'type');
    }
    const typeProblem = nameProblem(type, `${at}.type`, MAX_TYPE_BYTES);
    if (typeProblem) throw new InvalidEventError('INVALID_EVENT_TYPE', typeProblem, index, 'type');
    if (!('data' in event)) throw new InvalidEventError('INVALID_EVENT_DATA', `${at}.data is missing`, index, 'data');
    if (data === null) {
      // The append passes rows through jsonb_to_recordset, where a JSON null becomes SQL NULL; nulls inside data are fine.
      throw new InvalidEventError('INVALID_EVENT_DATA', `${at}.data is null; use an object (e.g. {}) or another JSON value`, index, 'data');
    }
    const dataProblem = jsonProblem(data, `${at}.data`);
    if (dataProblem) throw new InvalidEventError('INVALID_EVENT_DATA', dataProblem, index, 'data');
    if (id !== undefined) {
      if (typeof id !== 'string' || !uuidPattern.test(id)) {
        throw new InvalidEventError('INVALID_EVENT_ID', `${at}.id must be a UUID string`, index, 'id');
      }
      const normalised = id.toLowerCase();
      if (ids.has(normalised)) {
        throw new InvalidEventError('INVALID_EVENT_ID', `${at}.id ${id} appears twice in the batch`, index, 'id');
      }
      ids.add(normalised);
    }
    if (tags !== undefined) {
      if (!Array.isArray(tags)) throw new InvalidEventError('INVALID_TAG', `${at}.tags must be an array of strings`, index, 'tags');
      tags.forEach((tag: unknown, t) => {
        if (typeof tag !== 'string' || tag === '') {
          throw new InvalidEventError('INVALID_TAG', `${at}.tags[${t}] must be a non-empty string`, index, `tags[${t}]`);
        }
        const problem = nameProblem(tag, `${at}.tags[${t}]`, MAX_TAG_BYTES);
        if (problem) throw new InvalidEventError('INVALID_TAG', problem, index, `tags[${t}]`);
      });
      const distinct = new Set(tags).size;
      if (distinct > MAX_TAGS) {
        throw new InvalidEventError('INVALID_TAG', `${at}.tags has ${distinct} distinct tags; the limit is ${MAX_TAGS}`, index, 'tags');
      }
    }
    if (metadata !== undefined) {
      if (!isPlainObject(metadata)) {
        throw new InvalidEventError('INVALID_METADATA', `${at}.metadata must be a plain object`, index, 'metadata');
      }
      const problem = jsonProblem(metadata, `${at}.metadata`);
      if (problem) throw new InvalidEventError('INVALID_METADATA', problem, index, 'metadata');
    }
    const row: PreparedEvent = {
      id: id === undefined ? undefined : (id as string).toLowerCase(),
      type,
      data,
      tags: tags === undefined ? [] : [...new Set(tags as string[])],
      metadata: { ...callMetadata, ...(metadata as Record<string, unknown> | undefined) },
    };
    const bytes = Buffer.byteLength(JSON.stringify(row.data)) + Buffer.byteLength(JSON.stringify(row.metadata));
    if (bytes > maxEventBytes) {
      throw new InvalidEventError(
        'EVENT_TOO_LARGE',
        `${at} is ${bytes} bytes of JSON; the limit is ${maxEventBytes} (option maxEventBytes)`,
        index,
      );
    }
    prepared.push(row);
  });
  return prepared;
}

/**
 * Checks a query: an array of items, each with at least one of non-empty `types`, `tags` or `data`.
 * @throws {InvalidQueryError}
 */
export function validateQuery<E extends EventShape>(query: Query<E>, where = 'query'): void {
  if (!Array.isArray(query)) throw new InvalidQueryError('INVALID_QUERY', `${where} must be an array of query items`, where);
  query.forEach((item: unknown, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(item)) throw new InvalidQueryError('INVALID_QUERY', `${at} must be an object`, at);
    const { types, tags, data } = item;
    for (const key of Object.keys(item)) {
      if (key !== 'types' && key !== 'tags' && key !== 'data') {
        throw new InvalidQueryError('INVALID_QUERY', `${at} has an unknown key "${key}" (expected types, tags, data)`, at);
      }
    }
    if (types === undefined && tags === undefined && data === undefined) {
      throw new InvalidQueryError('EMPTY_QUERY_ITEM', `${at} has neither types nor tags nor data; it would match every event`, at);
    }
    for (const [name, list] of [['types', types], ['tags', tags]] as const) {
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0) {
        throw new InvalidQueryError('INVALID_QUERY', `${at}.${name} must be a non-empty array of strings`, `${at}.${name}`);
      }
      const maxBytes = name === 'types' ? MAX_TYPE_BYTES : MAX_TAG_BYTES;
      list.forEach((value: unknown, k) => {
        const path = `${at}.${name}[${k}]`;
        if (typeof value !== 'string' || value === '') throw new InvalidQueryError('INVALID_QUERY', `${path} must be a non-empty string`, path);
        const problem = nameProblem(value, path, maxBytes);
        if (problem) throw new InvalidQueryError('INVALID_QUERY', `${problem} (no event can carry it)`, path);
      });
      if (name === 'tags' && new Set(list).size > MAX_TAGS) {
        const path = `${at}.tags`;
        throw new InvalidQueryError('INVALID_QUERY', `${path} requires ${new Set(list).size} distinct tags; an event carries at most ${MAX_TAGS}`, path);
      }
    }
    if (data !== undefined) {
      if (!isPlainObject(data) || Object.keys(data).length === 0) {
        throw new InvalidQueryError('INVALID_QUERY', `${at}.data must be a non-empty plain object`, `${at}.data`);
      }
      const problem = jsonProblem(data, `${at}.data`);
      if (problem) throw new InvalidQueryError('INVALID_QUERY', problem, `${at}.data`);
    }
  });
}

/** @throws {InvalidQueryError} */
export function validatePosition(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'bigint' || value < 0n || value > MAX_POSITION)) {
    throw new InvalidQueryError('INVALID_OPTION', `${name} must be a bigint position from 0 to 2^63-1 (${MAX_POSITION})`, name);
  }
}

/** @throws {InvalidQueryError} */
export function validatePositiveInteger(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)) {
    throw new InvalidQueryError('INVALID_OPTION', `${name} must be a positive integer`, name);
  }
}

/**
 * Checks a NOTIFY channel name: a non-empty string of at most {@link MAX_CHANNEL_BYTES} bytes of UTF-8 (PostgreSQL
 * counts bytes, not characters: `'é'.repeat(40)` is 40 characters but 80 bytes), without NUL.
 * @returns the channel
 * @throws {ConfigurationError}
 */
export function validateChannel(channel: unknown): string {
  if (typeof channel !== 'string' || channel === '') throw new ConfigurationError('channel must be a non-empty string');
  const problem = textProblem(channel, 'channel');
  if (problem) throw new ConfigurationError(problem);
  const bytes = Buffer.byteLength(channel, 'utf8');
  if (bytes > MAX_CHANNEL_BYTES) {
    throw new ConfigurationError(
      `channel "${channel}" is ${bytes} bytes of UTF-8 (${channel.length} characters); PostgreSQL allows at most ${MAX_CHANNEL_BYTES} bytes`,
    );
  }
  return channel;
}

/**
 * Checks an append's condition: an object with a non-empty, valid query (an empty one would match every event).
 * @throws {InvalidQueryError}
 */
export function validateCondition(condition: unknown): void {
  const query = (condition as { query?: unknown } | null)?.query;
  if (typeof condition !== 'object' || condition === null || !Array.isArray(query)) {
    throw new InvalidQueryError('INVALID_CONDITION', 'condition needs a query (an array of query items)', 'condition.query');
  }
  if (query.length === 0) {
    throw new InvalidQueryError('INVALID_CONDITION', 'condition.query is empty: it would match every event', 'condition.query');
  }
  validateQuery(query as Query<EventShape>, 'condition.query');
}
