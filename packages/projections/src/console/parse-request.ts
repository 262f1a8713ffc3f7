import { MAX_POSITION, MAX_TAG_BYTES, MAX_TYPE_BYTES } from '@tally/eventstore';
import { ConsoleRequestError } from '../errors.js';
import type { EventFilter } from '../sql/browse-events.js';

const invalid = (parameter: string, message: string) => new ConsoleRequestError('INVALID_REQUEST', `${parameter}: ${message}`, parameter);

/** A positive event position, as decimal text without sign, leading zero or exponent. */
export function parsePosition(value: string, parameter: string): bigint {
  if (!/^[1-9]\d{0,18}$/.test(value)) throw invalid(parameter, 'must be an event position (a positive integer)');
  const position = BigInt(value);
  if (position > MAX_POSITION) throw invalid(parameter, 'is past the largest position');
  return position;
}

/** An integer in `[min, max]`. */
export function parseInteger(value: string, parameter: string, min: number, max: number): number {
  if (!/^\d{1,9}$/.test(value)) throw invalid(parameter, `must be an integer from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(parameter, `must be an integer from ${min} to ${max}`);
  return n;
}

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** Only the parameters a route knows: a misspelt one (`tags=` for `tag=`) is refused rather than ignored. */
export function onlyKnown(params: URLSearchParams, known: readonly string[]): void {
  for (const key of new Set(params.keys())) {
    if (!known.includes(key)) throw invalid(key, `unknown parameter (known: ${known.join(', ') || 'none'})`);
    if (params.getAll(key).length > 1) throw invalid(key, 'given more than once');
  }
}

/** The event browser's page: `/events` and `/api/events`. */
export interface EventQuery {
  readonly filter: EventFilter;
  readonly after?: bigint;
  readonly before?: bigint;
  readonly limit: number;
}

/** Events per page. */
export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 500;
const MAX_FILTER_TYPES = 20;

/**
 * `types` (comma-separated event types, any of), `tag`, `after` or `before` (a position: the page above or below
 * it), `limit` (1–500, 50).
 * @throws {ConsoleRequestError} `INVALID_REQUEST` naming the parameter
 */
export function parseEventQuery(params: URLSearchParams): EventQuery {
  onlyKnown(params, ['types', 'tag', 'after', 'before', 'limit']);
  const typesText = params.get('types')?.trim() ?? '';
  const types = typesText === '' ? [] : typesText.split(',').map((t) => t.trim());
  if (types.length > MAX_FILTER_TYPES) throw invalid('types', `at most ${MAX_FILTER_TYPES} types`);
  for (const type of types) {
    if (type === '' || bytes(type) > MAX_TYPE_BYTES) throw invalid('types', `each type must be 1 to ${MAX_TYPE_BYTES} bytes`);
  }
  const tagText = params.get('tag') ?? '';
  if (bytes(tagText) > MAX_TAG_BYTES) throw invalid('tag', `at most ${MAX_TAG_BYTES} bytes`);
  const after = params.get('after');
  const before = params.get('before');
  if (after && before) throw invalid('before', 'give after or before, not both');
  const limit = params.get('limit');
  return {
    filter: { types, tag: tagText === '' ? null : tagText },
    ...(after ? { after: parsePosition(after, 'after') } : {}),
    ...(before ? { before: parsePosition(before, 'before') } : {}),
    limit: limit ? parseInteger(limit, 'limit', 1, MAX_PAGE) : DEFAULT_PAGE,
  };
}

/** How far around an event `/events/:position` looks for events of its correlationId. */
export const DEFAULT_CHAIN_WINDOW = 10_000;
export const MAX_CHAIN_WINDOW = 1_000_000;

/** `/events/:position?window=`. */
export function parseEventDetail(positionText: string, params: URLSearchParams): { position: bigint; window: number } {
  onlyKnown(params, ['window']);
  const window = params.get('window');
  return {
    position: parsePosition(positionText, 'position'),
    window: window ? parseInteger(window, 'window', 0, MAX_CHAIN_WINDOW) : DEFAULT_CHAIN_WINDOW,
  };
}

/** The largest request body an action accepts. */
export const MAX_BODY_BYTES = 4096;

/**
 * An action's body fields: a form (`application/x-www-form-urlencoded`, the console's) or JSON (the API's), as
 * strings. Anything else is refused.
 */
export function parseActionBody(contentType: string | undefined, body: string): Map<string, string> {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const fields = new Map<string, string>();
  if (body.trim() === '') return fields;
  if (type === 'application/x-www-form-urlencoded') {
    const params = new URLSearchParams(body);
    onlyKnown(params, ['token', 'position']);
    for (const [k, v] of params) fields.set(k, v);
    return fields;
  }
  if (type === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw invalid('body', 'is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('body', 'must be a JSON object');
    for (const [k, v] of Object.entries(parsed)) {
      if (k !== 'position') throw invalid(k, 'unknown field (known: position)');
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isSafeInteger(v))) throw invalid(k, 'must be a position, as a string or an integer');
      fields.set(k, String(v));
    }
    return fields;
  }
  throw invalid('content-type', 'must be application/x-www-form-urlencoded or application/json');
}
