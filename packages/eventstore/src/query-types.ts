import type { EventShape, EventType, JsonValue, PayloadOf, StoredEvent } from './event-types.js';

/** A JSON value as a query literal is inferred: arrays and objects read-only. */
export type ReadonlyJsonValue =
  | string
  | number
  | boolean
  | null
  | readonly ReadonlyJsonValue[]
  | { readonly [key: string]: ReadonlyJsonValue | undefined };

/** Any JSON object: the `data` criteria for payloads typed `unknown` (or `JsonValue`). */
export type JsonObject = { readonly [key: string]: ReadonlyJsonValue | undefined };

/** The object members of `P` (arrays excluded). */
type ObjectsOf<P> = P extends readonly unknown[] ? never : P extends object ? P : never;

/** A value that JSONB containment can look for inside a value of type `P` (a union is taken member by member). */
type ContainedIn<P> = unknown extends P
  ? ReadonlyJsonValue
  : [JsonValue] extends [P]
    ? ReadonlyJsonValue
    : P extends readonly (infer U)[]
      ? readonly ContainedIn<U>[]
      : P extends object
        ? { readonly [K in keyof P]?: ContainedIn<Exclude<P[K], undefined>> }
        : P;

/**
 * What the `data` of a query item may be for the payloads `P`, following JSONB containment (`@>`): any subset
 * of the keys of one of the payloads, nested objects partial too, an array by some of its (partial) elements.
 * An explicit `undefined` is refused (it would vanish from the JSON and match everything). For payloads typed
 * `unknown` or `JsonValue`: any JSON object.
 */
export type DataCriteria<P> = unknown extends P ? JsonObject : [JsonValue] extends [P] ? JsonObject : ContainedIn<ObjectsOf<P>>;

/**
 * One alternative of a query. Inside an item the criteria are AND'ed: the event's type is one of
 * `types`, it carries every tag in `tags`, and its payload contains `data` (JSONB containment, `@>`).
 * `data` is typed against the payloads of the types `T` ({@link DataCriteria}); where a query is given to the
 * store, each item's `data` is checked against the payloads of the item's own `types` ({@link CheckedQuery}).
 */
export interface QueryItem<E extends EventShape, T extends EventType<E> = EventType<E>> {
  readonly types?: readonly T[];
  readonly tags?: readonly string[];
  readonly data?: DataCriteria<PayloadOf<E, T>>;
}

/** A query: its items are OR'ed. An empty query (or no query) means every event. */
export type Query<E extends EventShape, T extends EventType<E> = EventType<E>> = readonly QueryItem<E, T>[];

declare const queryKeyError: unique symbol;

/**
 * The type a `data` key that no payload of the item's types has is required to have: no value has it, so the
 * key is reported, e.g. `Type 'number' is not assignable to type 'NotADataField<"quantityy", "StockShipped">'`.
 */
export interface NotADataField<Key, Types extends string> {
  readonly [queryKeyError]: readonly [Key, 'is not a data field of', Types];
}

/** The type a query item key other than `types`, `tags` and `data` is required to have (see {@link NotADataField}). */
export interface NotAQueryItemKey<Key> {
  readonly [queryKeyError]: readonly [Key, 'is not a query item key (types, tags, data)'];
}

type KeysOf<P> = P extends unknown ? keyof P : never;
type ValueAt<P, K> = P extends unknown ? (K extends keyof P ? P[K] : never) : never;
type ElementsOf<P> = P extends readonly (infer U)[] ? U : never;

/** `D` (a written `data` value) with each key that no member of `P` has turned into {@link NotADataField}, at any depth. */
type CheckData<D, P, Types extends string> = unknown extends P
  ? unknown
  : [JsonValue] extends [P]
    ? unknown
    : D extends readonly unknown[]
      ? [ElementsOf<P>] extends [never]
        ? unknown
        : { readonly [I in keyof D]: CheckData<D[I], ElementsOf<P>, Types> }
      : D extends object
        ? [ObjectsOf<P>] extends [never]
          ? unknown
          : {
              readonly [K in keyof D]: K extends KeysOf<ObjectsOf<P>>
                ? CheckData<D[K], Exclude<ValueAt<ObjectsOf<P>, K>, undefined>, Types>
                : NotADataField<K, Types>;
            }
        : unknown;

/** The event types an item `I` lists (every type of `E` when it lists none). */
type ItemTypes<E extends EventShape, I> = I extends { readonly types: readonly (infer T)[] } ? T & EventType<E> : EventType<E>;
type ItemTypesLabel<I> = I extends { readonly types: readonly (infer T)[] } ? T & string : 'any event';

/** What an item `I` of a query must also be: its `data` typed by its own types, no unknown key. */
type CheckItem<E extends EventShape, I> = {
  readonly [K in keyof I]: K extends 'types' | 'tags'
    ? I[K]
    : K extends 'data'
      ? DataCriteria<PayloadOf<E, ItemTypes<E, I>>> & CheckData<I[K], PayloadOf<E, ItemTypes<E, I>>, ItemTypesLabel<I>>
      : NotAQueryItemKey<K>;
};

/**
 * The checks {@link CheckedQuery} adds to a query `Q`, item by item. Nothing to add for a query only known as
 * `Query<E>` (checked where it was written).
 */
export type QueryCheck<E extends EventShape, Q> = Query<E> extends Q ? unknown : { readonly [K in keyof Q]: CheckItem<E, Q[K]> };

/**
 * The parameter type of every method taking a query inferred as `const Q extends Query<E>`: `Q` itself, and each
 * item's `data` typed against the payloads of that item's `types` (of every type when it lists none), a key that
 * none of them has refused ({@link NotADataField}), an unknown item key too ({@link NotAQueryItemKey}). An
 * inferred type argument gets no excess-property check, hence this intersection.
 */
export type CheckedQuery<E extends EventShape, Q> = Q & NoInfer<QueryCheck<E, Q>>;

/**
 * The events a query can return: narrowed to the listed types when every item lists types; every event for an
 * item without types and for the empty query `[]` (which has no item to narrow by).
 */
export type QueryResult<E extends EventShape, Q> = Q extends readonly (infer I)[]
  ? [I] extends [never]
    ? StoredEvent<E>
    : I extends { readonly types: readonly (infer T)[] }
      ? StoredEvent<Extract<E, { type: T }>>
      : StoredEvent<E>
  : StoredEvent<E>;
