import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { EventShape, EventType, PayloadOf } from '../types.js';

/**
 * The `schemas` option: a Standard Schema (zod, valibot, arktype, …) per event type, validating `data` on
 * append. A schema's output must be the union's data of its type; types without a schema are not validated.
 */
export type EventSchemas<E extends EventShape> = { readonly [K in EventType<E>]?: StandardSchemaV1<unknown, PayloadOf<E, K>> };

/**
 * The event union described by a record of schemas, so that the union is not written twice.
 * @example
 * const schemas = { MoneyDeposited: z.object({ accountId: z.string(), amount: z.number() }) };
 * type BankEvent = EventsOf<typeof schemas>; // { type: 'MoneyDeposited'; data: { accountId: string; amount: number } }
 * const store = createEventStore<BankEvent>({ connectionString, schemas });
 */
export type EventsOf<S extends { readonly [type: string]: StandardSchemaV1 }> = {
  [K in keyof S & string]: { readonly type: K; readonly data: StandardSchemaV1.InferOutput<S[K]> };
}[keyof S & string];
