/**
 * Issue 12, "Typed `data` criteria": what the compiler accepts as a query item's `data`. Nothing here touches a
 * database: the store calls sit in functions that are never called, and the checks are the `expectTypeOf` lines
 * and the `// @ts-expect-error` lines, which `tsc -p tsconfig.json --noEmit` (the package's typecheck) compiles.
 * A `@ts-expect-error` line fails the typecheck when its line compiles. Each negative case sits next to a positive
 * twin that differs only in what the rule is about, so that it cannot fail for another reason.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DataCriteria, EventStore, Head, JsonObject, JsonValue, NewEvent, PayloadOf, Query, QueryItem, StoredEvent } from '../src/index.js';

type InventoryEvent =
  | { type: 'StockReceived'; data: { sku: string; quantity: number; warehouse: string } }
  | {
      type: 'StockShipped';
      data: { sku: string; quantity: number; note?: string; address: { city: string; zip?: string }; lines: { sku: string; qty: number }[] };
    }
  | { type: 'PriceChanged'; data: { sku: string; price: { amount: number; currency: 'EUR' | 'USD' } } }
  | { type: 'ItemLabelled'; data: { sku: string; labels: string[]; attributes: JsonValue } }
  | { type: 'StockAdjusted'; data: { kind: 'loss'; quantity: number; reason: string } | { kind: 'found'; quantity: number; finder: string } };

/** A union with one event whose payload is not typed (`EventShape`'s `data: unknown`). */
type MixedEvent = InventoryEvent | { type: 'LegacyImported'; data: unknown };

declare const head: Head;
const shipped: NewEvent<InventoryEvent> = { type: 'StockShipped', data: { sku: 'k1', quantity: 1, address: { city: 'Oslo' }, lines: [] } };

/** Runs nothing: a body to compile. */
const compiles = (body: () => unknown): void => {
  expect(typeof body).toBe('function');
};

describe('the data criteria of a payload (JSONB containment)', () => {
  it('is a deep partial: any subset of keys, nested objects partial, arrays of partial elements, no explicit undefined', () => {
    expectTypeOf<DataCriteria<PayloadOf<InventoryEvent, 'StockShipped'>>>().toEqualTypeOf<{
      readonly sku?: string;
      readonly quantity?: number;
      readonly note?: string;
      readonly address?: { readonly city?: string; readonly zip?: string };
      readonly lines?: readonly { readonly sku?: string; readonly qty?: number }[];
    }>();
  });

  it('of several types is the union of their criteria', () => {
    expectTypeOf<DataCriteria<PayloadOf<InventoryEvent, 'StockReceived' | 'PriceChanged'>>>().toEqualTypeOf<
      | { readonly sku?: string; readonly quantity?: number; readonly warehouse?: string }
      | { readonly sku?: string; readonly price?: { readonly amount?: number; readonly currency?: 'EUR' | 'USD' } }
    >();
  });

  it('is any JSON object for a payload typed unknown or JsonValue', () => {
    expectTypeOf<DataCriteria<unknown>>().toEqualTypeOf<JsonObject>();
    expectTypeOf<DataCriteria<JsonValue>>().toEqualTypeOf<JsonObject>();
    expectTypeOf<QueryItem<MixedEvent, 'LegacyImported'>['data']>().toEqualTypeOf<JsonObject | undefined>();
  });

  it('is never `any`', () => {
    expectTypeOf<QueryItem<InventoryEvent>['data']>().not.toBeAny();
    expectTypeOf<QueryItem<MixedEvent>['data']>().not.toBeAny();
    expectTypeOf<DataCriteria<PayloadOf<InventoryEvent, 'ItemLabelled'>>>().not.toBeAny();
  });
});

describe('rule 1: an item with types types data by the payloads of those types', () => {
  it('the issue: { types: [StockShipped], data: { quantityy: 1 } } does not compile', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { quantity: 1 } }]);
      // @ts-expect-error: quantityy is not a field of StockShipped
      await store.read([{ types: ['StockShipped'], data: { quantityy: 1 } }]);
    });
  });

  it('the issue: a condition on data: { skuu } does not compile (it would have turned the guard off)', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!, sku: string = '', skuu: string = '') => {
      await store.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { sku } }], after: head } });
      // @ts-expect-error: skuu is not a field of StockShipped
      await store.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { skuu } }], after: head } });
      await store.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { sku, quantity: 1 } }], after: head } });
      // @ts-expect-error: also beside a valid key (an inferred argument gets no excess-property check of its own)
      await store.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { sku, quantityy: 1 } }], after: head } });
    });
  });

  it('a key only other event types have is refused, also beside a valid key', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockReceived'], data: { sku: 'k1', warehouse: 'w1' } }]);
      // @ts-expect-error: warehouse is a field of StockReceived, not of StockShipped
      await store.read([{ types: ['StockShipped'], data: { sku: 'k1', warehouse: 'w1' } }]);
      await store.read([{ types: ['StockShipped', 'StockReceived'], data: { warehouse: 'w1' } }]);
    });
  });

  it('a value of the wrong type is refused', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { quantity: 2 } }]);
      // @ts-expect-error: quantity is a number
      await store.read([{ types: ['StockShipped'], data: { quantity: 'x' } }]);
      await store.read([{ types: ['PriceChanged'], data: { price: { currency: 'EUR' } } }]);
      // @ts-expect-error: currency is 'EUR' | 'USD'
      await store.read([{ types: ['PriceChanged'], data: { price: { currency: 'GBP' } } }]);
    });
  });

  it('nested objects are partial and checked at every depth', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { address: { city: 'Oslo' } } }]);
      // @ts-expect-error: cityy is not a field of the address
      await store.read([{ types: ['StockShipped'], data: { address: { cityy: 'Oslo' } } }]);
      // @ts-expect-error: address is an object
      await store.read([{ types: ['StockShipped'], data: { address: 'Oslo' } }]);
    });
  });

  it('arrays: an array of partial elements', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { lines: [{ qty: 1 }, { sku: 'k2' }] } }]);
      // @ts-expect-error: qtyy is not a field of a line
      await store.read([{ types: ['StockShipped'], data: { lines: [{ qtyy: 1 }] } }]);
      await store.read([{ types: ['ItemLabelled'], data: { labels: ['red'] } }]);
      // @ts-expect-error: labels are strings
      await store.read([{ types: ['ItemLabelled'], data: { labels: [1] } }]);
    });
  });

  it('optional fields may be given, but not as an explicit undefined (it would vanish and match everything)', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { note: 'fragile', address: { zip: '0150' } } }]);
      // @ts-expect-error: undefined is not a note
      await store.read([{ types: ['StockShipped'], data: { note: undefined } }]);
    });
  });

  it('union payloads: a key of any member, its values typed', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockAdjusted'], data: { kind: 'loss', reason: 'broken' } }]);
      await store.read([{ types: ['StockAdjusted'], data: { finder: 'Ada' } }]);
      // @ts-expect-error: kind is 'loss' | 'found'
      await store.read([{ types: ['StockAdjusted'], data: { kind: 'stolen' } }]);
      // @ts-expect-error: no member has finderr
      await store.read([{ types: ['StockAdjusted'], data: { finderr: 'Ada' } }]);
    });
  });

  it('JsonValue fields and unknown payloads take any JSON', () => {
    compiles(async (store: EventStore<MixedEvent> = undefined!) => {
      await store.read([{ types: ['ItemLabelled'], data: { attributes: { size: [1, { unit: 'cm' }], gift: null } } }]);
      await store.read([{ types: ['LegacyImported'], data: { anything: { at: ['any', 1, true, null] } } }]);
      // @ts-expect-error: an unknown payload still takes JSON only
      await store.read([{ types: ['LegacyImported'], data: { when: new Date() } }]);
      // @ts-expect-error: but the typed types of the same store are still checked
      await store.read([{ types: ['ItemLabelled'], data: { attributess: {} } }]);
    });
  });

  it('each item is checked against its own types, and results stay narrowed to the listed types', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      const { events } = await store.read([
        { types: ['StockReceived'], data: { warehouse: 'w1' } },
        { types: ['StockShipped'], data: { address: { city: 'Oslo' } } },
      ]);
      expectTypeOf(events).toEqualTypeOf<StoredEvent<Extract<InventoryEvent, { type: 'StockReceived' | 'StockShipped' }>>[]>();
      // @ts-expect-error: the first item's warehouse is fine, the second one's is not
      await store.read([{ types: ['StockReceived'], data: { warehouse: 'w1' } }, { types: ['StockShipped'], data: { warehouse: 'w1' } }]);
    });
  });

  it('the empty query returns every event, as does an item without types beside one with types', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      expectTypeOf((await store.read([])).events).toEqualTypeOf<StoredEvent<InventoryEvent>[]>();
      expectTypeOf((await store.read([{ types: ['StockShipped'] }, { tags: ['sku:k1'] }])).events).toEqualTypeOf<StoredEvent<InventoryEvent>[]>();
    });
  });

  it('an unknown item key is refused too (the store would reject it at run time)', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ types: ['StockShipped'], data: { sku: 'k1' } }]);
      // @ts-expect-error: typess is not a query item key
      await store.read([{ typess: ['StockShipped'], data: { sku: 'k1' } }]);
    });
  });
});

describe('rule 2: an item without types types data by every payload of the store', () => {
  it('a key some event has is accepted, a key no event has is refused', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      await store.read([{ data: { warehouse: 'w1' } }, { tags: ['sku:k1'], data: { price: { amount: 3 } } }]);
      // @ts-expect-error: no event has warehousee
      await store.read([{ data: { warehousee: 'w1' } }]);
      // @ts-expect-error: amount is a number wherever it appears
      await store.read([{ tags: ['sku:k1'], data: { price: { amount: '3' } } }]);
    });
  });

  it('with an event whose payload is unknown, any JSON object is accepted (that event may have any key)', () => {
    compiles(async (store: EventStore<MixedEvent> = undefined!) => {
      await store.read([{ data: { warehousee: 'w1' } }]);
    });
  });
});

describe('rule 3: every place a query is written', () => {
  it('read, stream, readSettled, lag, lockCondition, with(trx)', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      const after = { transactionId: 0n, position: 0n };
      for await (const event of store.stream([{ types: ['StockShipped'], data: { sku: 'k1' } }])) expectTypeOf(event.type).toEqualTypeOf<'StockShipped'>();
      // @ts-expect-error: quantityy
      store.stream([{ types: ['StockShipped'], data: { quantityy: 1 } }]);
      const { events } = await store.readSettled([{ types: ['StockShipped'], data: { sku: 'k1' } }], { after, limit: 10 });
      expectTypeOf(events).toEqualTypeOf<StoredEvent<Extract<InventoryEvent, { type: 'StockShipped' }>>[]>();
      // @ts-expect-error: quantityy
      await store.readSettled([{ types: ['StockShipped'], data: { quantityy: 1 } }], { after, limit: 10 });
      await store.lag([{ types: ['StockShipped'], data: { sku: 'k1' } }], { after });
      // @ts-expect-error: quantityy
      await store.lag([{ types: ['StockShipped'], data: { quantityy: 1 } }], { after });
      await store.lockCondition([{ types: ['StockShipped'], data: { sku: 'k1' } }]);
      // @ts-expect-error: skuu
      await store.lockCondition([{ types: ['StockShipped'], data: { skuu: 'k1' } }]);
      const session = store.with(undefined!);
      await session.read([{ types: ['StockShipped'], data: { sku: 'k1' } }]);
      // @ts-expect-error: quantityy
      await session.read([{ types: ['StockShipped'], data: { quantityy: 1 } }]);
      await session.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { sku: 'k1' } }] } });
      // @ts-expect-error: skuu
      await session.append([shipped], { condition: { query: [{ types: ['StockShipped'], data: { skuu: 'k1' } }] } });
    });
  });

  it('a reusable query: `satisfies Query<E>` refuses a key no payload has; using it checks each item against its types', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      const bySku = [{ types: ['StockShipped'], data: { sku: 'k1' } }] satisfies Query<InventoryEvent>;
      expectTypeOf((await store.read(bySku)).events).toEqualTypeOf<StoredEvent<Extract<InventoryEvent, { type: 'StockShipped' }>>[]>();
      await store.append([shipped], { condition: { query: bySku } });
      // @ts-expect-error: no event has quantityy
      const typo = [{ types: ['StockShipped'], data: { quantityy: 1 } }] satisfies Query<InventoryEvent>;
      // Another type's key passes `satisfies` (an annotation cannot see which item lists which types) ...
      const elsewhere = [{ types: ['StockShipped'], data: { warehouse: 'w1' } }] satisfies Query<InventoryEvent>;
      // @ts-expect-error: ... and is refused where the query is used
      await store.read(elsewhere);
      // @ts-expect-error: ... there too
      await store.append([shipped], { condition: { query: elsewhere } });
      const asConst = [{ types: ['StockShipped'], data: { sku: 'k1' } }] as const satisfies Query<InventoryEvent>;
      await store.read(asConst);
      return typo;
    });
  });

  it('a query known only as Query<E> (built at run time, typed where it was written) is accepted as it is', () => {
    compiles(async (store: EventStore<InventoryEvent> = undefined!) => {
      const query: Query<InventoryEvent> = [{ types: ['StockShipped'], data: { sku: 'k1' } }];
      await store.read(query);
      await store.append([shipped], { condition: { query, after: head } });
      // @ts-expect-error: the annotation refuses a key no payload has
      const typo: Query<InventoryEvent> = [{ types: ['StockShipped'], data: { quantityy: 1 } }];
      const narrowed: Query<InventoryEvent, 'StockShipped'> = [{ types: ['StockShipped'], data: { lines: [{ qty: 1 }] } }];
      // @ts-expect-error: with the types given, the annotation refuses another type's key
      const elsewhere: Query<InventoryEvent, 'StockShipped'> = [{ types: ['StockShipped'], data: { warehouse: 'w1' } }];
      return [typo, narrowed, elsewhere];
    });
  });

  it('generic code over any event union still compiles', () => {
    const generic = <E extends { type: string; data: unknown }>(store: EventStore<E>, query: Query<E>) =>
      Promise.all([store.read(query), store.append([], { condition: { query } }), store.lockCondition(query)]);
    expect(typeof generic).toBe('function');
  });
});
