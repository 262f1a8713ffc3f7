import { describe, expect, it } from 'vitest';
import { EventStoreError, type EventStore, type Head, type NewEvent } from '../../src/index.js';
import type { TestEvent } from '../helpers.js';
import { lastPosition, looseQuery, untyped, type SharedStore } from './fixtures.js';

const good = { type: 'MoneyDeposited', data: { accountId: 'bad-input', amount: 1 } } as const;
const cyclic: Record<string, unknown> = { accountId: 'c' };
cyclic.self = cyclic;

type Call = (store: EventStore<TestEvent>) => Promise<unknown>;

const cases: [string, Call, string][] = [
  ['an empty event list', (s) => s.append([]), 'EMPTY_APPEND'],
  ['not an array', (s) => s.append(untyped({ type: 'X' })), 'INVALID_EVENT'],
  ['an empty type', (s) => s.append(untyped([{ type: '', data: {} }])), 'INVALID_EVENT_TYPE'],
  ['a type that is not a string', (s) => s.append(untyped([{ type: 42, data: {} }])), 'INVALID_EVENT_TYPE'],
  ['data missing', (s) => s.append(untyped([{ type: 'MoneyDeposited' }])), 'INVALID_EVENT_DATA'],
  ['data null', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: null }])), 'INVALID_EVENT_DATA'],
  ['a BigInt in the payload', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: { amount: 1n } }])), 'INVALID_EVENT_DATA'],
  ['a cycle in the payload', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: cyclic }])), 'INVALID_EVENT_DATA'],
  ['NaN in the payload', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: { amount: Number.NaN } }])), 'INVALID_EVENT_DATA'],
  ['a Date in the payload', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: { at: new Date() } }])), 'INVALID_EVENT_DATA'],
  ['a NUL character', (s) => s.append(untyped([{ type: 'MoneyDeposited', data: { s: 'a\u0000b' } }])), 'INVALID_EVENT_DATA'],
  ['a payload of several MB', (s) => s.append([{ ...good, data: { accountId: 'x'.repeat(1_048_576), amount: 1 } }]), 'EVENT_TOO_LARGE'],
  ['a tag that is not a string', (s) => s.append(untyped([{ ...good, tags: ['ok', 7] }])), 'INVALID_TAG'],
  ['an id that is not a UUID', (s) => s.append(untyped([{ ...good, id: 'abc' }])), 'INVALID_EVENT_ID'],
  ['one id twice in a batch', (s) => s.append(untyped([{ ...good, id: '0193e5a4-7b1c-7cc0-8d3e-7f1a2b3c4d5e' }, { ...good, id: '0193E5A4-7B1C-7CC0-8D3E-7F1A2B3C4D5E' }])), 'INVALID_EVENT_ID'],
  ['metadata that is not an object', (s) => s.append(untyped([{ ...good, metadata: 'x' }])), 'INVALID_METADATA'],
  ['call metadata with a function', (s) => s.append([good], { metadata: untyped({ f: () => 1 }) as never }), 'INVALID_METADATA'],
  ['a good batch whose third event is bad', (s) => s.append(untyped([good, good, { ...good, data: { list: [1, 2n] } }])), 'INVALID_EVENT_DATA'],
  ['a query item with neither types nor tags nor data', (s) => s.read(looseQuery([{}])), 'EMPTY_QUERY_ITEM'],
  ['a query that is not an array', (s) => s.read(looseQuery({ types: ['X'] })), 'INVALID_QUERY'],
  ['an empty types list', (s) => s.read(looseQuery([{ types: [] }])), 'INVALID_QUERY'],
  ['an unknown query item key', (s) => s.read(looseQuery([{ type: ['MoneyDeposited'] }])), 'INVALID_QUERY'],
  ['a condition without a query', (s) => s.append([good], { condition: { after: undefined } as never }), 'INVALID_CONDITION'],
  ['a condition with an empty query', (s) => s.append([good], { condition: { query: [] } }), 'INVALID_CONDITION'],
  ['a condition query with an empty item', (s) => s.append([good], { condition: { query: looseQuery([{}]) } }), 'EMPTY_QUERY_ITEM'],
  ['a head that no read produced', (s) => s.append([good], { condition: { query: [{ tags: ['t'] }], after: 'garbage' as Head } }), 'INVALID_HEAD'],
  ['a read with a forged alsoUnseenBy', (s) => s.read(undefined, { after: 1n, alsoUnseenBy: 'garbage' as Head }), 'INVALID_HEAD'],
  ['a negative limit', (s) => s.read(undefined, { limit: -1 }), 'INVALID_OPTION'],
  ['a position that is not a bigint', (s) => s.read(undefined, { after: 5 as unknown as bigint }), 'INVALID_OPTION'],
  ['a settled read with limit 0', (s) => s.readSettled(undefined, { after: { transactionId: 0n, position: 0n }, limit: 0 }), 'INVALID_OPTION'],
  ['a lag with a bad query', (s) => s.lag(looseQuery([{}]), { after: { transactionId: 0n, position: 0n } }), 'EMPTY_QUERY_ITEM'],
  ['lockCondition with a bad query', (s) => s.lockCondition(looseQuery([{ tags: [] }])), 'INVALID_QUERY'],
];

export function badInputCases(shared: SharedStore): void {
  describe('bad input gets a typed error with a code, and nothing is written', () => {
    it.each(cases)('%s', async (_name, call, code) => {
      const { store } = shared;
      const before = await lastPosition(store);
      const error = await call(store).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(EventStoreError);
      expect(error).toMatchObject({ code });
      expect((error as Error).message.length).toBeGreaterThan(10);
      expect(await lastPosition(store)).toBe(before);
    });

    it('names the event and the path of what is wrong', async () => {
      const batch: NewEvent<TestEvent>[] = untyped([good, { ...good, data: { accountId: 'x', amount: 1, nested: { list: [1, 2n] } } }]);
      await expect(shared.store.append(batch)).rejects.toMatchObject({ code: 'INVALID_EVENT_DATA', index: 1, path: 'data' });
    });

    it('stream checks its arguments when called, before any iteration', () => {
      const { store } = shared;
      expect(() => store.stream(looseQuery([{}]))).toThrow(expect.objectContaining({ code: 'EMPTY_QUERY_ITEM' }));
      expect(() => store.stream(undefined, { batchSize: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
      expect(() => store.stream(undefined, { after: -1n })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    });
  });
}
