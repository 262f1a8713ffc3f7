import { describe, expect, it } from 'vitest';
import { ConfigurationError, InvalidEventError, InvalidQueryError } from './errors.js';
import {
  jsonProblem,
  MAX_JSON_DEPTH,
  MAX_POSITION,
  MAX_TAG_BYTES,
  MAX_TAGS,
  MAX_TYPE_BYTES,
  prepareEvents,
  validateChannel,
  validatePosition,
  validateQuery,
} from './validation.js';

/** `{ a: { a: … 1 } }` with `depth` objects, built without recursion. */
function nestedObjects(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function nestedArrays(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const prepare = (event: unknown) => prepareEvents([event as never], undefined, 16 * 1024 * 1024);

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('jsonProblem', () => {
  it('walks 100,000 levels of objects or arrays without a stack overflow and names the depth limit', () => {
    for (const value of [nestedObjects(100_000), nestedArrays(100_000), nestedObjects(3_000)]) {
      const problem = jsonProblem(value, 'data');
      expect(problem).toContain(`more than ${MAX_JSON_DEPTH} levels deep`);
      expect(problem!.length).toBeLessThan(400); // the path is shortened, not 100,000 steps long
    }
  });

  it('accepts exactly the limit, and JSON.stringify can serialise it', () => {
    const value = nestedObjects(MAX_JSON_DEPTH);
    expect(jsonProblem(value, 'data')).toBeUndefined();
    expect(jsonProblem(nestedObjects(MAX_JSON_DEPTH + 1), 'data')).toContain('levels deep');
    // the append nests data two levels further: [ { data: … } ]
    expect(() => JSON.stringify([{ data: value, metadata: { m: value } }])).not.toThrow();
  });

  it('names the path of a bad value deep inside, in document order', () => {
    expect(jsonProblem({ a: [1, { b: 2n }], c: 3n }, 'data')).toBe('data.a[1].b is a BigInt, which JSON cannot hold (store it as a string)');
    expect(jsonProblem({ ok: 'x', bad: undefined, list: [undefined] }, 'data')).toBe('data.list[0] is undefined');
    expect(jsonProblem({ ['k\u0000']: 1 }, 'data')).toContain('data key contains a NUL');
    expect(jsonProblem({ a: { b: new Date() } }, 'data')).toContain('data.a.b is a Date');
  });

  it('tells a cycle from a value shared by two branches', () => {
    const shared = { x: 1 };
    expect(jsonProblem({ a: shared, b: shared, c: [shared, shared] }, 'data')).toBeUndefined();
    const cyclic: Record<string, unknown> = { list: [] };
    (cyclic.list as unknown[]).push({ back: cyclic });
    expect(jsonProblem(cyclic, 'data')).toBe('data.list[0].back refers back to itself (a cycle)');
  });

  it('accepts nulls inside data, empty containers and wide values', () => {
    expect(jsonProblem({ a: null, b: [], c: {}, d: Array.from({ length: 100_000 }, (_, i) => i) }, 'data')).toBeUndefined();
  });
});

describe('prepareEvents limits', () => {
  const event = { type: 'T', data: {} };

  it('refuses data that is null at the top level, and keeps nested nulls', () => {
    const error = thrown(() => prepare({ ...event, data: null }));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect(error).toMatchObject({ code: 'INVALID_EVENT_DATA', index: 0, path: 'data', message: expect.stringContaining('{}') });
    expect(prepare({ ...event, data: { a: null } })[0]!.data).toEqual({ a: null });
  });

  it(`refuses a type over ${MAX_TYPE_BYTES} bytes, counted in UTF-8`, () => {
    expect(prepare({ ...event, type: 'x'.repeat(MAX_TYPE_BYTES) })).toHaveLength(1);
    expect(thrown(() => prepare({ ...event, type: 'é'.repeat(MAX_TYPE_BYTES / 2 + 1) }))).toMatchObject({
      code: 'INVALID_EVENT_TYPE',
      path: 'type',
      message: `events[0].type is ${MAX_TYPE_BYTES + 2} bytes of UTF-8; the limit is ${MAX_TYPE_BYTES}`,
    });
  });

  it(`refuses a tag over ${MAX_TAG_BYTES} bytes and more than ${MAX_TAGS} distinct tags`, () => {
    expect(prepare({ ...event, tags: ['t'.repeat(MAX_TAG_BYTES)] })).toHaveLength(1);
    expect(thrown(() => prepare({ ...event, tags: ['ok', 't'.repeat(MAX_TAG_BYTES + 1)] }))).toMatchObject({
      code: 'INVALID_TAG',
      path: 'tags[1]',
    });
    const tags = Array.from({ length: MAX_TAGS }, (_, i) => `tag:${i}`);
    expect(prepare({ ...event, tags: [...tags, ...tags] })[0]!.tags).toHaveLength(MAX_TAGS); // duplicates are one tag
    expect(thrown(() => prepare({ ...event, tags: [...tags, 'one-more'] }))).toMatchObject({
      code: 'INVALID_TAG',
      path: 'tags',
      message: `events[0].tags has ${MAX_TAGS + 1} distinct tags; the limit is ${MAX_TAGS}`,
    });
  });

  it('refuses data and metadata nested too deep, and names which', () => {
    expect(thrown(() => prepare({ ...event, data: nestedObjects(3_000) }))).toMatchObject({ code: 'INVALID_EVENT_DATA', path: 'data' });
    expect(thrown(() => prepare({ ...event, metadata: { deep: nestedArrays(100_000) } }))).toMatchObject({
      code: 'INVALID_METADATA',
      path: 'metadata',
    });
    expect(thrown(() => prepareEvents([event], { deep: nestedObjects(5_000) } as never, 1e9))).toMatchObject({
      code: 'INVALID_METADATA',
      message: expect.stringContaining('options.metadata.deep.a'),
    });
  });
});

describe('validateQuery limits', () => {
  it('refuses what no event can carry: a long type, a long tag, too many tags, deep data', () => {
    const cases: [unknown, string][] = [
      [[{ types: ['x'.repeat(MAX_TYPE_BYTES + 1)] }], 'query[0].types[0]'],
      [[{ types: ['A'] }, { tags: ['t'.repeat(3_000)] }], 'query[1].tags[0]'],
      [[{ tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) }], 'query[0].tags'],
      [[{ data: nestedObjects(3_000) as Record<string, never> }], 'query[0].data'],
    ];
    for (const [query, path] of cases) {
      const error = thrown(() => validateQuery(query as never));
      expect(error).toBeInstanceOf(InvalidQueryError);
      expect(error).toMatchObject({ code: 'INVALID_QUERY', path });
    }
    expect(() => validateQuery([{ types: ['x'.repeat(MAX_TYPE_BYTES)], tags: ['t'.repeat(MAX_TAG_BYTES)] }])).not.toThrow();
  });
});

describe('validatePosition', () => {
  it('accepts 0 to 2^63-1 and refuses anything above (positions are bigint columns)', () => {
    expect(() => validatePosition(0n, 'options.after')).not.toThrow();
    expect(() => validatePosition(MAX_POSITION, 'options.after')).not.toThrow();
    for (const value of [MAX_POSITION + 1n, 2n ** 70n, -1n, 5]) {
      expect(thrown(() => validatePosition(value, 'options.after'))).toMatchObject({ code: 'INVALID_OPTION', path: 'options.after' });
    }
  });
});

describe('validateChannel', () => {
  it('counts bytes: 40 characters of é are 80 bytes', () => {
    const error = thrown(() => validateChannel('é'.repeat(40)));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION', message: expect.stringContaining('80 bytes') });
    expect(validateChannel('é'.repeat(31))).toBe('é'.repeat(31));
    expect(validateChannel('x'.repeat(63))).toBe('x'.repeat(63));
  });

  it('refuses an empty, non-string, NUL-carrying or malformed name', () => {
    for (const channel of ['', 7, undefined, 'a\u0000b', 'a\ud800', 'x'.repeat(64)]) {
      expect(thrown(() => validateChannel(channel))).toMatchObject({ code: 'INVALID_CONFIGURATION' });
    }
  });
});
