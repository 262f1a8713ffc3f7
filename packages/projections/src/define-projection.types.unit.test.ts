/**
 * Issue 13, "sound types for projections": which events `handle` is typed for, inferred from the projection's
 * `query`. The type checks are the `expectTypeOf` lines and the `// @ts-expect-error` lines, which the package's
 * typecheck (`tsc -p tsconfig.json --noEmit`) compiles: a `@ts-expect-error` line fails it when its line compiles.
 * Each negative case sits beside a positive twin that differs only in what the rule is about. At run time the
 * definitions are built (so the curried form's checks run too), and handlers are never called.
 */
import type { EventStore, StoredEvent } from '@tally/eventstore';
import type { Transaction } from 'kysely';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { applyInline } from './apply-inline.js';
import { createProjector } from './create-projector.js';
import { defineProjection } from './define-projection.js';
import { ConfigurationError } from './errors.js';
import type { Projection } from './types.js';

type CartEvent =
  | { type: 'ItemAdded'; data: { cartId: string; sku: string; quantity: number } }
  | { type: 'ItemRemoved'; data: { cartId: string; sku: string; reason: string } }
  | { type: 'CartClosed'; data: { cartId: string } };

type CartDb = { cart_lines: { cart_id: string; sku: string; quantity: number } };

type Stored<T extends CartEvent['type']> = StoredEvent<Extract<CartEvent, { type: T }>>;

/** Everything but `query` and `handle`. */
const common = { name: 'cart-lines', version: 1, setup: async () => {}, reset: async () => {} };

const cartLines = defineProjection<CartEvent, CartDb>();

describe('the curried defineProjection<E, DB>()(definition): handle is typed from the query', () => {
  it('an item with types narrows the events to those types', () => {
    const projection = cartLines({
      ...common,
      query: [{ types: ['ItemAdded', 'ItemRemoved'], tags: ['cart:c1'] }],
      handle: async (events, trx) => {
        expectTypeOf(events).toEqualTypeOf<Stored<'ItemAdded' | 'ItemRemoved'>[]>();
        expectTypeOf(trx).toEqualTypeOf<Transaction<CartDb>>();
      },
    });
    expect(projection.query).toEqual([{ types: ['ItemAdded', 'ItemRemoved'], tags: ['cart:c1'] }]);
  });

  it('an item without types gives the whole union (it matches events of any type)', () => {
    const projection = cartLines({
      ...common,
      query: [{ tags: ['cart:c1'] }],
      handle: async (events) => {
        expectTypeOf(events).toEqualTypeOf<StoredEvent<CartEvent>[]>();
      },
    });
    expect(projection.query).toEqual([{ tags: ['cart:c1'] }]);
  });

  it('the empty query gives the whole union (it matches every event)', () => {
    const projection = cartLines({
      ...common,
      query: [],
      handle: async (events) => {
        expectTypeOf(events).toEqualTypeOf<StoredEvent<CartEvent>[]>();
      },
    });
    expect(projection.query).toEqual([]);
  });

  it('two items give the union of what each admits', () => {
    cartLines({
      ...common,
      query: [{ types: ['ItemAdded'] }, { types: ['CartClosed'], tags: ['cart:c1'] }],
      handle: async (events) => {
        expectTypeOf(events).toEqualTypeOf<Stored<'ItemAdded' | 'CartClosed'>[]>();
      },
    });
    cartLines({
      ...common,
      query: [{ types: ['ItemAdded'] }, { data: { cartId: 'c1' } }],
      handle: async (events) => {
        expectTypeOf(events).toEqualTypeOf<StoredEvent<CartEvent>[]>();
      },
    });
    expect(typeof cartLines).toBe('function');
  });

  it('a payload field of a type the query does not admit is an error; narrowing on type still works', () => {
    cartLines({
      ...common,
      query: [{ types: ['ItemAdded', 'CartClosed'] }],
      handle: async (events) => {
        for (const event of events) {
          if (event.type === 'ItemAdded') expectTypeOf(event.data.quantity).toEqualTypeOf<number>();
          // @ts-expect-error: reason is a field of ItemRemoved only, which the query does not admit
          expectTypeOf(event.data.reason).toBeString();
          // @ts-expect-error: and ItemRemoved is not among the event types handle may receive
          if (event.type === 'ItemRemoved') expectTypeOf(event).toBeObject();
        }
      },
    });
    expect(typeof cartLines).toBe('function');
  });

  it('a handler that declares fewer events than the query admits does not compile', () => {
    cartLines({ ...common, query: [{ types: ['ItemAdded'] }], handle: async (_events: Stored<'ItemAdded'>[]) => {} });
    cartLines({
      ...common,
      query: [{ types: ['ItemAdded', 'ItemRemoved'] }],
      // @ts-expect-error: ItemRemoved events would reach a handler typed for ItemAdded only
      handle: async (_events: Stored<'ItemAdded'>[]) => {},
    });
    expect(typeof cartLines).toBe('function');
  });

  it('data criteria are checked against the payloads of the item’s own types', () => {
    cartLines({ ...common, query: [{ types: ['ItemAdded'], data: { sku: 'k1', quantity: 2 } }], handle: async () => {} });
    cartLines({
      ...common,
      // @ts-expect-error: skuu is not a field of ItemAdded
      query: [{ types: ['ItemAdded'], data: { skuu: 'k1' } }],
      handle: async () => {},
    });
    cartLines({
      ...common,
      // @ts-expect-error: reason is a field of ItemRemoved, not of ItemAdded
      query: [{ types: ['ItemAdded'], data: { reason: 'broken' } }],
      handle: async () => {},
    });
    cartLines({
      ...common,
      // @ts-expect-error: quantity is a number
      query: [{ types: ['ItemAdded'], data: { quantity: '2' } }],
      handle: async () => {},
    });
    expect(typeof cartLines).toBe('function');
  });

  it('an unknown key of the definition or of a query item is an error', () => {
    cartLines({ ...common, query: [{ types: ['CartClosed'] }], handlerTimeoutMs: 500, handle: async () => {} });
    // @ts-expect-error: handlerTimeoutMS is not an option
    cartLines({ ...common, query: [{ types: ['CartClosed'] }], handlerTimeoutMS: 500, handle: async () => {} });
    // @ts-expect-error: typess is not a query item key
    cartLines({ ...common, query: [{ typess: ['CartClosed'] }], handle: async () => {} });
    expect(typeof cartLines).toBe('function');
  });

  it('validates the definition like the one-call form', () => {
    expect(() => cartLines({ ...common, name: 'not a name', query: [], handle: async () => {} })).toThrow(ConfigurationError);
    expect(() => cartLines({ ...common, query: [], handlerTimeoutMs: 0, handle: async () => {} })).toThrow(ConfigurationError);
  });
});

describe('the one-call defineProjection<E, DB>(definition)', () => {
  it('types handle with the whole union, whatever the query lists', () => {
    defineProjection<CartEvent, CartDb>({
      ...common,
      query: [{ types: ['ItemAdded'] }],
      handle: async (events) => {
        expectTypeOf(events).toEqualTypeOf<StoredEvent<CartEvent>[]>();
      },
    });
    expect(typeof defineProjection).toBe('function');
  });

  it('still refuses a data key that no payload has', () => {
    defineProjection<CartEvent, CartDb>({ ...common, query: [{ types: ['ItemAdded'], data: { sku: 'k1' } }], handle: async () => {} });
    defineProjection<CartEvent, CartDb>({
      ...common,
      // @ts-expect-error: no event has skuu
      query: [{ types: ['ItemAdded'], data: { skuu: 'k1' } }],
      handle: async () => {},
    });
    expect(typeof defineProjection).toBe('function');
  });

  it('takes no third type argument (it narrowed handle without looking at the query)', () => {
    defineProjection<CartEvent, CartDb>({ ...common, query: [{ tags: ['cart:c1'] }], handle: async () => {} });
    // @ts-expect-error: Expected 0-2 type arguments
    defineProjection<CartEvent, CartDb, 'ItemAdded'>({ ...common, query: [{ tags: ['cart:c1'] }], handle: async () => {} });
    expect(typeof defineProjection).toBe('function');
  });
});

describe('what defineProjection returns', () => {
  it('is a Projection<E, DB> that createProjector and applyInline take without casts', () => {
    const narrow = cartLines({ ...common, query: [{ types: ['ItemAdded'] }], handle: async () => {} });
    const wide = cartLines({ ...common, name: 'carts', inline: true, query: [], handle: async () => {} });
    expectTypeOf(narrow).toEqualTypeOf<Projection<CartEvent, CartDb>>();
    expectTypeOf(wide).toEqualTypeOf<Projection<CartEvent, CartDb>>();
    const wire = (store: EventStore<CartEvent>, trx: Transaction<CartDb>, events: StoredEvent<CartEvent>[]) => [
      createProjector({ store, projections: [narrow, wide], connectionString: 'postgres://unused' }),
      applyInline(wide, events, trx),
    ];
    expect(typeof wire).toBe('function');
  });
});
