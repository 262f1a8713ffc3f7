/** True when a UTF-16 string is plain ASCII, whose code-unit order is its UTF-8 byte order. */
// eslint-disable-next-line no-control-regex -- the range of ASCII starts at U+0000 on purpose
const ascii = /^[\x00-\x7f]*$/;

/**
 * jsonb's order of object keys: shorter keys (in bytes of UTF-8) first, keys of one length by their bytes.
 * node-postgres parses the text PostgreSQL prints in that order, so a payload read back lists its keys so.
 */
export function compareJsonbKeys(a: string, b: string): number {
  if (ascii.test(a) && ascii.test(b)) {
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length !== right.length ? left.length - right.length : Buffer.compare(left, right);
}

/** Sets `key` on a fresh object; a key "__proto__" stays a key and never becomes the prototype. */
function put(target: Record<string, unknown>, key: string, child: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value: child, enumerable: true, writable: true, configurable: true });
  else target[key] = child;
}

/**
 * A copy of JSON data as PostgreSQL's `jsonb` keeps it and node-postgres gives it back: properties that are
 * `undefined` dropped, `-0` as `0`, object keys in jsonb's order. Nothing in it is shared with `value`. The value
 * must be JSON data as `prepareEvents` accepts it (plain objects and arrays, strings, finite numbers, booleans,
 * null): what `JSON.stringify` would convert (`toJSON`, a Date) is not converted here.
 */
export function jsonbValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value === 0 ? 0 : value; // -0 === 0: both become 0
  if (Array.isArray(value)) return value.map(jsonbValue);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source).filter((key) => source[key] !== undefined);
  if (keys.length > 1) keys.sort(compareJsonbKeys);
  const copy: Record<string, unknown> = {};
  for (const key of keys) put(copy, key, jsonbValue(source[key]));
  return copy;
}

/**
 * A fresh copy of a value {@link jsonbValue} made (plain objects and arrays of JSON scalars, nothing undefined):
 * what a read hands out, so nothing it holds is shared with the store. Faster than a JSON text round trip.
 */
export function copyJsonbValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyJsonbValue);
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) put(copy, key, copyJsonbValue(source[key]));
  return copy;
}

/**
 * A JSON value as PostgreSQL's `jsonb` keeps it and node-postgres gives it back, as canonical JSON text: what
 * `JSON.stringify` drops is gone (properties that are `undefined`), `-0` is `0`, object keys are in jsonb's
 * order. Two values are equal as jsonb exactly when their texts are equal. Any value `JSON.stringify` takes
 * (a snapshot's state may hold what it converts, like a Date).
 */
export function jsonbText(value: unknown): string {
  return JSON.stringify(jsonbValue(JSON.parse(JSON.stringify(value))));
}
