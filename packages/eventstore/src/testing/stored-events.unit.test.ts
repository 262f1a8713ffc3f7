import { describe, expect, expectTypeOf, it } from 'vitest';
import type { NewEvent, StoredEvent } from '../types.js';
import { storedEvents } from './index.js';

type ShopEvent =
  | { type: 'CartOpened'; data: { cartId: string } }
  | { type: 'ItemAdded'; data: { cartId: string; sku: string; quantity: number } }
  | { type: 'CartCheckedOut'; data: { cartId: string; total: number } };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('storedEvents', () => {
  it('numbers positions from 1 by default and keeps type, data and order', () => {
    const events = storedEvents<ShopEvent>([
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'ItemAdded', data: { cartId: 'c1', sku: 'apple', quantity: 3 } },
      { type: 'CartCheckedOut', data: { cartId: 'c1', total: 120 } },
    ]);
    expect(events.map((e) => e.position)).toEqual([1n, 2n, 3n]);
    expect(events.map((e) => e.type)).toEqual(['CartOpened', 'ItemAdded', 'CartCheckedOut']);
    expect(events[1]!.data).toEqual({ cartId: 'c1', sku: 'apple', quantity: 3 });
  });

  it('counts positions up from startPosition', () => {
    const events = storedEvents<ShopEvent>(
      [
        { type: 'CartOpened', data: { cartId: 'c1' } },
        { type: 'CartOpened', data: { cartId: 'c2' } },
      ],
      { startPosition: 41n },
    );
    expect(events.map((e) => e.position)).toEqual([41n, 42n]);
  });

  it('gives each event a distinct random UUID unless it has an id, which it keeps', () => {
    const events = storedEvents<ShopEvent>([
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'CartOpened', data: { cartId: 'c2' }, id: '0190f3b4-6c1e-7a00-8000-000000000001' },
      { type: 'CartOpened', data: { cartId: 'c3' } },
    ]);
    expect(events[0]!.id).toMatch(uuid);
    expect(events[1]!.id).toBe('0190f3b4-6c1e-7a00-8000-000000000001');
    expect(events[2]!.id).toMatch(uuid);
    expect(events[0]!.id).not.toBe(events[2]!.id);
    const again = storedEvents<ShopEvent>([{ type: 'CartOpened', data: { cartId: 'c1' } }]);
    expect(again[0]!.id).not.toBe(events[0]!.id);
  });

  it('defaults tags to [] and metadata to {}, and keeps given ones', () => {
    const [bare, full] = storedEvents<ShopEvent>([
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'CartOpened', data: { cartId: 'c2' }, tags: ['cart:c2'], metadata: { correlationId: 'r1', channel: 'web' } },
    ]);
    expect(bare!.tags).toEqual([]);
    expect(bare!.metadata).toEqual({});
    expect(full!.tags).toEqual(['cart:c2']);
    expect(full!.metadata).toEqual({ correlationId: 'r1', channel: 'web' });
  });

  it('does not share tags or metadata objects with the input (mutating one leaves the other alone)', () => {
    const tags = ['cart:c1'];
    const metadata = { correlationId: 'r1' };
    const input: NewEvent<ShopEvent>[] = [{ type: 'CartOpened', data: { cartId: 'c1' }, tags, metadata }];
    const [event] = storedEvents<ShopEvent>(input);
    tags.push('late');
    expect(event!.tags).toEqual(['cart:c1']);
    expect(event!.metadata).not.toBe(metadata);
    expect(input[0]).not.toHaveProperty('position');
  });

  it('by default gives increasing occurredAt around the moment of the call', () => {
    const before = Date.now();
    const events = storedEvents<ShopEvent>([
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'CartOpened', data: { cartId: 'c2' } },
      { type: 'CartOpened', data: { cartId: 'c3' } },
    ]);
    const times = events.map((e) => e.occurredAt.getTime());
    expect(times[0]).toBeGreaterThanOrEqual(before);
    expect(times[0]).toBeLessThanOrEqual(Date.now());
    expect(times[1]).toBe(times[0]! + 1);
    expect(times[2]).toBe(times[0]! + 2);
  });

  it('uses one given Date for every event (as separate Date objects)', () => {
    const at = new Date('2026-01-02T03:04:05.000Z');
    const events = storedEvents<ShopEvent>(
      [
        { type: 'CartOpened', data: { cartId: 'c1' } },
        { type: 'CartOpened', data: { cartId: 'c2' } },
      ],
      { occurredAt: at },
    );
    expect(events.map((e) => e.occurredAt.toISOString())).toEqual(['2026-01-02T03:04:05.000Z', '2026-01-02T03:04:05.000Z']);
    expect(events[0]!.occurredAt).not.toBe(at);
  });

  it('calls an occurredAt function with each event index', () => {
    const start = Date.UTC(2026, 0, 1);
    const events = storedEvents<ShopEvent>(
      [
        { type: 'CartOpened', data: { cartId: 'c1' } },
        { type: 'CartOpened', data: { cartId: 'c2' } },
        { type: 'CartOpened', data: { cartId: 'c3' } },
      ],
      { occurredAt: (i) => new Date(start + i * 60_000) },
    );
    expect(events.map((e) => e.occurredAt.toISOString())).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']);
  });

  it('gives each event its own transaction by default, and one shared transaction when transactionId is given', () => {
    const input: NewEvent<ShopEvent>[] = [
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'CartOpened', data: { cartId: 'c2' } },
    ];
    expect(storedEvents<ShopEvent>(input, { startPosition: 10n }).map((e) => e.transactionId)).toEqual([10n, 11n]);
    expect(storedEvents<ShopEvent>(input, { transactionId: 777n }).map((e) => e.transactionId)).toEqual([777n, 777n]);
  });

  it('returns [] for no events', () => {
    expect(storedEvents<ShopEvent>([])).toEqual([]);
  });

  it('throws RangeError for a startPosition below 1 and for invalid dates', () => {
    const one: NewEvent<ShopEvent>[] = [{ type: 'CartOpened', data: { cartId: 'c1' } }];
    expect(() => storedEvents<ShopEvent>(one, { startPosition: 0n })).toThrow(RangeError);
    expect(() => storedEvents<ShopEvent>(one, { startPosition: -5n })).toThrow(RangeError);
    expect(() => storedEvents<ShopEvent>(one, { occurredAt: new Date('not a date') })).toThrow(RangeError);
    expect(() => storedEvents<ShopEvent>(one, { occurredAt: () => new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('is typed: the union flows to the result and narrowing on type narrows data, with no casts', () => {
    const events = storedEvents<ShopEvent>([
      { type: 'CartOpened', data: { cartId: 'c1' } },
      { type: 'ItemAdded', data: { cartId: 'c1', sku: 'pear', quantity: 2 } },
    ]);
    expectTypeOf(events).toEqualTypeOf<StoredEvent<ShopEvent>[]>();
    const quantities = events.flatMap((e) => (e.type === 'ItemAdded' ? [e.data.quantity] : []));
    expectTypeOf(quantities).toEqualTypeOf<number[]>();
    expect(quantities).toEqual([2]);
    // A function taking stored events accepts the result as it is.
    const count = (history: readonly StoredEvent<ShopEvent>[]) => history.length;
    expect(count(events)).toBe(2);
    // @ts-expect-error: the data must match the event's type
    storedEvents<ShopEvent>([{ type: 'ItemAdded', data: { cartId: 'c1' } }]);
    // @ts-expect-error: the type must be one of the union's
    storedEvents<ShopEvent>([{ type: 'CartDeleted', data: { cartId: 'c1' } }]);
  });
});
