/**
 * A copy of JSON data as `JSON.parse(JSON.stringify(value))` gives it (properties that are `undefined` dropped,
 * `-0` as `0`), sharing nothing with `value`, without the text in between. Only for data the store accepted
 * (plain objects and arrays, strings, finite numbers, booleans, null): what `JSON.stringify` would convert
 * (`toJSON`) is not converted here.
 */
export function copyJson<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value === 0 ? 0 : value; // -0 === 0: both become 0
  if (Array.isArray(value)) return value.map(copy);
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const child = source[key];
    if (child === undefined) continue;
    // A key "__proto__" stays a key and never becomes the prototype.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy(child), enumerable: true, writable: true, configurable: true });
    else out[key] = copy(child);
  }
  return out;
}
