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

function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => compareJsonbKeys(a, b));
  // fromEntries defines own properties, so a key "__proto__" stays a key and never becomes the prototype.
  return Object.fromEntries(entries.map(([key, child]) => [key, reorder(child)]));
}

/**
 * A JSON value as PostgreSQL's `jsonb` keeps it and node-postgres gives it back, as canonical JSON text: what
 * `JSON.stringify` drops is gone (properties that are `undefined`), `-0` is `0`, object keys are in jsonb's
 * order. Two values are equal as jsonb exactly when their texts are equal. The value must be JSON data
 * (`prepareEvents` and `validateQuery` checked it).
 */
export function jsonbText(value: unknown): string {
  return JSON.stringify(reorder(JSON.parse(JSON.stringify(value))));
}
