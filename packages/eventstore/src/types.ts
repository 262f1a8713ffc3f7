/** A JSON value as stored in a `jsonb` column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** The shape every user event satisfies: a string `type` and a JSON payload in `data`. */
export interface EventShape {
  readonly type: string;
  readonly data: unknown;
}

/** Metadata stored with each event; `correlationId` and `causationId` are conventional, other keys are free. */
export interface EventMetadata {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly [key: string]: JsonValue | undefined;
}

/** Event types of a union, e.g. `'AccountOpened' | 'MoneyDeposited'`. */
export type EventType<E extends EventShape> = E['type'];

/** The member of the union `E` whose type is `T`. */
export type EventOfType<E extends EventShape, T extends EventType<E>> = Extract<E, { type: T }>;

/** An event as given to `append`: the user's event plus optional id (for idempotent retries), tags and metadata. */
export type NewEvent<E extends EventShape> = E extends EventShape
  ? E & {
      /** A UUID chosen by the caller; appending the same event twice with the same id stores it once. */
      readonly id?: string;
      readonly tags?: readonly string[];
      readonly metadata?: EventMetadata;
    }
  : never;

/** An event as read back from the store. Narrowing on `type` narrows `data`. */
export type StoredEvent<E extends EventShape> = E extends EventShape
  ? E & {
      /** Global, strictly increasing position (allocated at insert; commits may happen in another order). */
      readonly position: bigint;
      readonly id: string;
      readonly tags: readonly string[];
      readonly metadata: EventMetadata;
      /** When the append wrote it: taken after the append acquired its locks, so an append that waited behind another is stamped after it. */
      readonly occurredAt: Date;
      /** Id (`xid8`) of the transaction that wrote the event. */
      readonly transactionId: bigint;
      /**
       * The schema version the event was written with (see the `upcasters` option); `data` is always in the
       * current shape, upcast from this version.
       */
      readonly schemaVersion: number;
    }
  : never;

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

/** The payloads of the events of `E` whose type is one of `T` (a union). */
export type PayloadOf<E extends EventShape, T extends EventType<E> = EventType<E>> = EventOfType<E, T>['data'];

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

declare const headBrand: unique symbol;

/**
 * What a read saw: pass it back as `condition.after`. Opaque, and a string, so it can be stored or sent
 * anywhere. It records the read's MVCC snapshot, so the condition check is exact even when transactions
 * commit out of position order.
 */
export type Head = string & { readonly [headBrand]: 'Head' };

/**
 * Guards an append: it fails if an event matching `query` exists that the read which produced `after` did not see.
 * `Q`: the query's own type, as `append` infers it.
 */
export interface AppendCondition<E extends EventShape, Q extends Query<E> = Query<E>> {
  readonly query: Q;
  /** The `head` of the read the decision was based on. Omit it to require that no matching event exists at all. */
  readonly after?: Head | undefined;
}

export interface AppendOptions<E extends EventShape, Q extends Query<E> = Query<E>> {
  readonly condition?: AppendCondition<E, Q>;
  /** Merged into each event's own metadata (the event's keys win). */
  readonly metadata?: EventMetadata;
}

/**
 * The options of `append` for a condition query inferred as `Q`: {@link AppendOptions}, with `condition.query`
 * checked item by item like every query given to the store ({@link CheckedQuery}).
 */
export type CheckedAppendOptions<E extends EventShape, Q extends Query<E>> = AppendOptions<E, Q> & {
  readonly condition?: { readonly query: NoInfer<QueryCheck<E, Q>> };
};

export interface AppendResult {
  /** Positions of the appended events, in the order given. */
  readonly positions: readonly bigint[];
  /** Ids of the appended events, in the order given: each event's own `id`, or the uuidv7 the store gave it. */
  readonly ids: readonly string[];
  /** The schema version each event was stored with, in the order given: its type's current one (see `upcasters`). */
  readonly schemaVersions: readonly number[];
  /** The last of `positions`. */
  readonly lastPosition: bigint;
  /** True when every event id was already stored with the same content: nothing was written. */
  readonly duplicate: boolean;
  /**
   * After a conditional append that wrote its events: the head to pass as `condition.after` of the next
   * append under the same condition, when the caller decides from what it read plus what it just appended
   * (a decision state kept in memory) instead of reading again. Every event matching the condition that this
   * head covers was in the read or in this append; anything else that matches, committed later or still in
   * flight, fails that next append. Absent after an unconditional append (nothing says what the caller knows)
   * and after a duplicate (the condition was not checked).
   */
  readonly head?: Head;
  /** After a conditional append (or one with ids) that wrote: the `occurredAt` every appended event got. */
  readonly occurredAt?: Date;
  /** After a conditional append (or one with ids) that wrote: the `transactionId` of the appended events. */
  readonly transactionId?: bigint;
}

export interface ReadOptions {
  /** Only events with a position greater than this. */
  readonly after?: bigint;
  /**
   * With `after`: also the events at or below `after` that the read which produced this head did not see
   * (they committed after it, out of position order). For a state folded from that read up to `after` (a
   * snapshot): the events it is missing come back too, and the new head covers all of it.
   */
  readonly alsoUnseenBy?: Head;
  /** At most this many events. */
  readonly limit?: number;
  /** Newest first. @defaultValue false */
  readonly backwards?: boolean;
}

export interface ReadResult<Ev> {
  readonly events: Ev[];
  /** Pass as `condition.after` to append only if nothing matching appeared since this read. */
  readonly head: Head;
}

export interface StreamOptions {
  /** Only events with a position greater than this. */
  readonly after?: bigint;
  /** Events fetched per round trip. @defaultValue 1000 */
  readonly batchSize?: number;
}

/** Where a settled read ended: the `(transactionId, position)` of the last event handed out. */
export interface SettledCheckpoint {
  readonly transactionId: bigint;
  readonly position: bigint;
}

/** A transaction that holds followers back (see {@link Horizon}). */
export interface HorizonBlocker {
  /** Id of the transaction, in the store's transaction-id space. */
  readonly transactionId: bigint;
  /** Backend process id (`pg_stat_activity.pid`); null for a prepared transaction or one that cannot be identified. */
  readonly pid: number | null;
  readonly database: string | null;
  readonly applicationName: string | null;
  /** `pg_stat_activity.state` (`active`, `idle in transaction`, …); null when hidden from this role. */
  readonly state: string | null;
  /** How long its transaction has been open; null when hidden from this role. */
  readonly transactionAgeMs: number | null;
  /**
   * `appending`: it appended (or is appending) to this store, so followers wait until it ends;
   * `within-grace`: it holds a transaction id in this database and has not appended, for less than `horizonGraceMs`;
   * `prepared`: a prepared transaction of this database; `unidentified`: running, but not found in `pg_stat_activity`.
   */
  readonly reason: 'appending' | 'within-grace' | 'prepared' | 'unidentified';
}

/** How far followers (subscriptions, projections, `readSettled`) can read now, and what holds them back. */
export interface Horizon {
  /** Everything before this checkpoint is settled: no event can ever appear behind it. */
  readonly settled: SettledCheckpoint;
  /** Transactions that keep later events unsettled, oldest first. Empty when nothing holds followers back. */
  readonly blockers: readonly HorizonBlocker[];
  /** Committed events at or above the horizon, which followers cannot read yet (counted up to 10,000). */
  readonly unsettledEvents: number;
}

/** How far a follower at some checkpoint is behind: the committed events it has not handled yet. */
export interface Lag {
  /** Committed events matching the query after the checkpoint (counted up to `limit`). */
  readonly events: number;
  /** Of those, the ones above the horizon: committed, but held back by a transaction that may still append. */
  readonly unsettledEvents: number;
  /** Age of the oldest of them by the database server's clock; null when there is none. */
  readonly oldestAgeMs: number | null;
  /** The lowest position among them (among the first `limit`); null when there is none. */
  readonly firstPosition: bigint | null;
}

/**
 * A decision's state kept beside the events (used by `@tally/decisions`): the fold of every event of its query
 * that the read behind `head` saw, up to `position`.
 */
export interface DecisionSnapshot {
  readonly decision: string;
  /** Which instance of the decision (e.g. a hash of its query for a command). */
  readonly key: string;
  /** The decision's version of its fold: a snapshot of another version is not used. */
  readonly version: string;
  /** The state, as JSON. */
  readonly state: unknown;
  readonly position: bigint;
  readonly head: Head;
  /** How many events the state folds. */
  readonly events: bigint;
}
