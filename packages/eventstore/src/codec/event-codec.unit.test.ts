import { describe, expect, it } from 'vitest';
import { EventVersionError } from '../errors.js';
import type { CodecIo, CodecStage, DecodingEvent, EncodingEvent } from './codec-types.js';
import { createCodec } from './create-codec.js';
import { EventCodec, identityCodec } from './event-codec.js';
import { versionStage } from './version-stage.js';

const io: CodecIo = { kind: 'postgres', schema: 'tally', run: async () => [], inTransaction: false };
const encoding = (type: string, data: unknown): EncodingEvent => ({ id: undefined, type, data, tags: [], metadata: {} });
const decoding = (type: string, data: unknown, schemaVersion = 1): DecodingEvent => ({
  position: 1n,
  transactionId: 1n,
  id: 'x',
  type,
  data,
  tags: [],
  metadata: {},
  occurredAt: new Date(0),
  schemaVersion,
});

/** A stage that appends its name to a trace field of `data`, asynchronously when `async`, and records the io it got. */
function tracing(name: string, async: boolean, seen: CodecIo[]): CodecStage {
  const mark = <T extends { readonly data: unknown }>(events: readonly T[], got: CodecIo) => {
    seen.push(got);
    const out = events.map((event) => ({ ...event, data: [...(event.data as string[]), name] }));
    return async ? Promise.resolve(out) : out;
  };
  return { name, encode: mark, decode: mark, encodeQuery: (query) => query.map((item) => ({ ...item, tags: [...(item.tags ?? []), name] })) };
}

describe('EventCodec', () => {
  it('is identity with no stage: nothing to call on the hot paths', () => {
    expect(identityCodec.encode).toBeUndefined();
    expect(identityCodec.decode).toBeUndefined();
    expect(identityCodec.encodeQuery).toBeUndefined();
  });

  // Fails on a pipeline that runs decode in stage order (decrypt must come before upcast), or drops the io.
  it('encodes in stage order and decodes in reverse, over the batch, with the session io; async stages are awaited', async () => {
    const seen: CodecIo[] = [];
    const codec = new EventCodec([tracing('a', false, seen), tracing('b', true, seen), tracing('c', false, seen)]);
    const encoded = await codec.encode!([encoding('T', []), encoding('U', [])], io);
    expect(encoded.map((e) => e.data)).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    const decoded = await codec.decode!([decoding('T', [])], io);
    expect(decoded.map((e) => e.data)).toEqual([['c', 'b', 'a']]);
    expect(codec.encodeQuery!([{ types: ['T'] }])).toEqual([{ types: ['T'], tags: ['a', 'b', 'c'] }]);
    expect(seen.every((got) => got === io)).toBe(true);
    expect(seen).toHaveLength(6);
  });

  // Fails on an async pipeline: every append of personal data would then make and await promises it does not need.
  it('encodes synchronously while every stage answers at once, and awaits only from the first stage that does not', async () => {
    const seen: CodecIo[] = [];
    const sync = new EventCodec([tracing('a', false, seen), tracing('b', false, seen)]);
    const now = sync.encode!([encoding('T', [])], io);
    expect(now).not.toBeInstanceOf(Promise);
    expect((now as readonly EncodingEvent[]).map((e) => e.data)).toEqual([['a', 'b']]);
    const later = new EventCodec([tracing('a', false, seen), tracing('b', true, seen), tracing('c', false, seen)]).encode!([encoding('T', [])], io);
    expect(later).toBeInstanceOf(Promise);
    expect((await later).map((e) => e.data)).toEqual([['a', 'b', 'c']]);
  });

  it('decodes synchronously while every stage answers at once (the version stage does)', () => {
    const codec = createCodec({});
    const events = [decoding('T', { a: 1 })];
    expect(codec.encode).toBeUndefined();
    // The same array: nothing copied when every event is current.
    expect(codec.decode!(events, io)).toBe(events);
  });
});

describe('versionStage', () => {
  const stage = versionStage({ T: [(v1: unknown) => ({ ...(v1 as object), v2: true }), (v2: unknown) => ({ ...(v2 as object), v3: true })] });

  it('stamps only types with upcasters, with upcasters + 1', async () => {
    const out = await stage.encode!([encoding('T', {}), encoding('U', {})], io);
    expect(out.map((e) => e.schemaVersion)).toEqual([3, undefined]);
  });

  it('upcasts from the stored version, and refuses newer versions and failing upcasters with typed errors', () => {
    const out = stage.decode!([decoding('T', { v: 1 }, 1), decoding('T', { v: 2, v2: true }, 2), decoding('T', { v: 3 }, 3)], io) as DecodingEvent[];
    expect(out.map((e) => e.data)).toEqual([{ v: 1, v2: true, v3: true }, { v: 2, v2: true, v3: true }, { v: 3 }]);
    expect(() => stage.decode!([decoding('T', {}, 4)], io)).toThrow(EventVersionError);
    expect(() => stage.decode!([decoding('U', {}, 2)], io)).toThrow(expect.objectContaining({ code: 'UNKNOWN_EVENT_VERSION', knownVersion: 1 }));
    const failing = versionStage({
      T: [
        () => {
          throw new Error('boom');
        },
      ],
    });
    expect(() => failing.decode!([decoding('T', {}, 1)], io)).toThrow(expect.objectContaining({ code: 'UPCAST_FAILED', cause: expect.any(Error) }));
  });

  it('refuses malformed options', () => {
    expect(() => createCodec({ upcasters: { T: ['nope'] } } as never)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
    expect(() => createCodec({ schemas: { T: {} } } as never)).toThrow(expect.objectContaining({ code: 'INVALID_CONFIGURATION' }));
  });
});
