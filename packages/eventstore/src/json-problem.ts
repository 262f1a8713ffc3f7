/**
 * Whether a value can be stored as JSON (`data`, `metadata`, a query item's `data`), and checks of the strings
 * around it: what `prepareEvents` and `validateQuery` build on.
 */
/**
 * Deepest nesting of `data`, `metadata` and a query item's `data`: objects and arrays inside each other,
 * the value itself counting as level 1. PostgreSQL 15 (default `max_stack_depth` 2 MB) accepted
 * 13,099 nested objects in `SELECT $1::jsonb`, and Node 20's `JSON.stringify` about 4,000: 1,000 leaves a
 * wide margin for both.
 */
export const MAX_JSON_DEPTH = 1000;

/** One container being walked by {@link jsonProblem}: an array or plain object and the keys still to visit. */
interface Frame {
  readonly value: object;
  readonly keys: readonly string[] | undefined; // undefined for an array
  readonly length: number;
  next: number;
  readonly parent: Frame | undefined;
  /** How the parent reaches this container: an index or a key. */
  readonly step: number | string | undefined;
  readonly depth: number;
}

/** The path of a frame's child (or of the frame itself when `step` is undefined). */
function pathOf(root: string, frame: Frame | undefined, step?: number | string): string {
  const steps: (number | string)[] = step === undefined ? [] : [step];
  for (let f = frame; f?.step !== undefined; f = f.parent) steps.push(f.step);
  let path = root;
  // steps run from the innermost out; a long path keeps its outer 12 and inner 8 steps
  const shown = steps.length > 24 ? [...steps.slice(0, 8), undefined, ...steps.slice(-12)] : steps;
  for (let i = shown.length - 1; i >= 0; i--) {
    const s = shown[i];
    path += s === undefined ? '…' : typeof s === 'number' ? `[${s}]` : `.${s}`;
  }
  return path;
}

function scalarProblem(value: unknown, path: () => string): string | undefined {
  switch (typeof value) {
    case 'string':
      return textProblem(value, path());
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${path()} is ${value}, which JSON cannot hold`;
    case 'undefined':
      return `${path()} is undefined`;
    case 'bigint':
      return `${path()} is a BigInt, which JSON cannot hold (store it as a string)`;
    case 'function':
      return `${path()} is a function`;
    case 'symbol':
      return `${path()} is a symbol`;
  }
  return undefined;
}

/**
 * Why a value is not plain JSON that the store can keep, with the path to the offending part; `undefined`
 * when it is. Walks with an explicit stack, so any nesting is reported (beyond `maxDepth`) rather than
 * overflowing the call stack.
 */
export function jsonProblem(value: unknown, path: string, maxDepth: number = MAX_JSON_DEPTH): string | undefined {
  let stack: Frame | undefined;
  const ancestors = new Set<object>();
  /** Checks one value; a container becomes the new top frame. */
  const visit = (child: unknown, parent: Frame | undefined, step: number | string | undefined): string | undefined => {
    if (typeof child !== 'object') return scalarProblem(child, () => pathOf(path, parent, step));
    if (child === null) return undefined;
    if (ancestors.has(child)) return `${pathOf(path, parent, step)} refers back to itself (a cycle)`;
    const depth = (parent?.depth ?? 0) + 1;
    if (depth > maxDepth) {
      return `${pathOf(path, parent, step)} is nested more than ${maxDepth} levels deep (objects and arrays inside each other); the limit is ${maxDepth}`;
    }
    let keys: string[] | undefined;
    if (!Array.isArray(child)) {
      const proto = Object.getPrototypeOf(child) as unknown;
      if (proto !== Object.prototype && proto !== null) {
        const kind = (child as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        return `${pathOf(path, parent, step)} is a ${kind}, not a plain object (convert it to JSON data first)`;
      }
      keys = Object.keys(child);
    }
    ancestors.add(child);
    stack = { value: child, keys, length: keys ? keys.length : (child as unknown[]).length, next: 0, parent, step, depth };
    return undefined;
  };
  const first = visit(value, undefined, undefined);
  if (first) return first;
  while (stack) {
    const frame: Frame = stack;
    if (frame.next >= frame.length) {
      ancestors.delete(frame.value);
      stack = frame.parent;
      continue;
    }
    const i = frame.next++;
    let problem: string | undefined;
    if (frame.keys === undefined) {
      problem = visit((frame.value as unknown[])[i], frame, i);
    } else {
      const key = frame.keys[i]!;
      const child = (frame.value as Record<string, unknown>)[key];
      if (child === undefined) continue; // dropped by JSON, like an absent optional property
      problem = textProblem(key, `${pathOf(path, frame)} key`) ?? visit(child, frame, key);
    }
    if (problem) return problem;
  }
  return undefined;
}

export function textProblem(text: string, path: string): string | undefined {
  if (text.includes('\u0000')) return `${path} contains a NUL character, which PostgreSQL cannot store`;
  if (!text.isWellFormed()) return `${path} contains a lone UTF-16 surrogate`;
  return undefined;
}

/** Why `text` cannot be a type or tag of at most `maxBytes` bytes; `undefined` when it can. */
export function nameProblem(text: string, path: string, maxBytes: number): string | undefined {
  const problem = textProblem(text, path);
  if (problem) return problem;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > maxBytes ? `${path} is ${bytes} bytes of UTF-8; the limit is ${maxBytes}` : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
