type Scalar = string | number | boolean | null;

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function contains(container: unknown, contained: unknown): boolean {
  if (Array.isArray(contained)) {
    if (!Array.isArray(container)) return false;
    // Each element wanted must be contained in some element present, in any order, the same one for several.
    return contained.every((wanted) => container.some((present) => contains(present, wanted)));
  }
  if (isObject(contained)) {
    if (!isObject(container)) return false;
    for (const [key, wanted] of Object.entries(contained)) {
      if (wanted === undefined) continue; // JSON has no undefined: the key is not part of the value
      if (!Object.hasOwn(container, key) || !contains(container[key], wanted)) return false;
    }
    return true;
  }
  return isScalar(container) && container === contained;
}

/**
 * PostgreSQL's `container @> contained` on `jsonb`, for JSON data: an object contains an object whose every
 * key it has, with a value that contains that key's value (recursively); an array contains an array whose every
 * element is contained in some element of it (order and repetitions do not matter); a scalar contains only an
 * equal scalar. One exception, at the top level only: an array contains a scalar that is one of its elements.
 * @example jsonbContains({ a: 1, b: [1, 2, { c: 3 }] }, { b: [{ c: 3 }, 1] }) // true
 */
export function jsonbContains(container: unknown, contained: unknown): boolean {
  if (Array.isArray(container) && isScalar(contained)) {
    return container.some((element) => isScalar(element) && element === contained);
  }
  return contains(container, contained);
}
