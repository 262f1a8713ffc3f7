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

/** The payloads of the events of `E` whose type is one of `T` (a union). */
export type PayloadOf<E extends EventShape, T extends EventType<E> = EventType<E>> = EventOfType<E, T>['data'];
