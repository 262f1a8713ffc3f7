import { InvalidEventError, InvalidQueryError } from './errors.js';
import type { EventShape, Head, NewEvent, Query } from './types.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const snapshotPattern = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/;

/** Why a value is not plain JSON, with the path to the offending part; `undefined` when it is. */
export function jsonProblem(value: unknown, path: string, seen: Set<object> = new Set()): string | undefined {
  switch (typeof value) {
    case 'string':
      return textProblem(value, path);
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path} is ${value}, which JSON cannot hold`;
    case 'undefined':
      return `${path} is undefined`;
    case 'bigint':
      return `${path} is a BigInt, which JSON cannot hold (store it as a string)`;
    case 'function':
      return `${path} is a function`;
    case 'symbol':
      return `${path} is a symbol`;
  }
  if (value === null) return undefined;
  const object = value as object;
  if (seen.has(object)) return `${path} refers back to itself (a cycle)`;
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const problem = jsonProblem(object[i], `${path}[${i}]`, seen);
        if (problem) return problem;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(object) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return `${path} is a ${kind}, not a plain object (convert it to JSON data first)`;
    }
    for (const [key, child] of Object.entries(object)) {
      if (child === undefined) continue; // dropped by JSON, like an absent optional property
      const keyProblem = textProblem(key, `${path} key`);
      if (keyProblem) return keyProblem;
      const problem = jsonProblem(child, `${path}.${key}`, seen);
      if (problem) return problem;
    }
    return undefined;
  } finally {
    seen.delete(object);
  }
}

function textProblem(text: string, path: string): string | undefined {
  if (text.includes('\u0000')) return `${path} contains a NUL character, which PostgreSQL cannot store`;
  if (!text.isWellFormed()) return `${path} contains a lone UTF-16 surrogate`;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

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
    const typeProblem = textProblem(type, `${at}.type`);
    if (typeProblem) throw new InvalidEventError('INVALID_EVENT_TYPE', typeProblem, index, 'type');
    if (!('data' in event)) throw new InvalidEventError('INVALID_EVENT_DATA', `${at}.data is missing`, index, 'data');
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
        const problem = textProblem(tag, `${at}.tags[${t}]`);
        if (problem) throw new InvalidEventError('INVALID_TAG', problem, index, `tags[${t}]`);
      });
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
      list.forEach((value: unknown, k) => {
        if (typeof value !== 'string' || value === '' || textProblem(value, '')) {
          throw new InvalidQueryError('INVALID_QUERY', `${at}.${name}[${k}] must be a non-empty string`, `${at}.${name}[${k}]`);
        }
      });
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

/** @throws {InvalidQueryError} when `head` was not produced by a read of this store. */
export function validateHead(head: unknown): asserts head is Head {
  if (typeof head !== 'string' || !snapshotPattern.test(head)) {
    throw new InvalidQueryError('INVALID_HEAD', 'condition.after must be the head returned by read() (or omitted)', 'condition.after');
  }
}

/** @throws {InvalidQueryError} */
export function validatePosition(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'bigint' || value < 0n)) {
    throw new InvalidQueryError('INVALID_OPTION', `${name} must be a non-negative bigint position`, name);
  }
}

/** @throws {InvalidQueryError} */
export function validatePositiveInteger(value: unknown, name: string): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)) {
    throw new InvalidQueryError('INVALID_OPTION', `${name} must be a positive integer`, name);
  }
}
