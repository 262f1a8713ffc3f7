import type { CheckedQuery, EventShape, Query } from '@tally/eventstore';
import { ConfigurationError } from './errors.js';
import type { Projection, ProjectionDefinition } from './types.js';

const namePattern = /^[A-Za-z0-9_.:-]{1,100}$/;

/** Largest `handlerTimeoutMs`: about 24 days, PostgreSQL's ceiling for the server-side timeouts it sets. */
export const maxHandlerTimeoutMs = 2_000_000_000;

/** True for a usable `handlerTimeoutMs`. */
export function validTimeout(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= maxHandlerTimeoutMs;
}

/**
 * Defines projections over the event union `E` into the read tables `DB`; the query is inferred, and `handle`
 * receives the events it admits. The query is checked like every query given to the store ({@link CheckedQuery}):
 * each item's `data` against the payloads of the item's own `types`.
 */
export type ProjectionBuilder<E extends EventShape, DB> = <const Q extends Query<E>>(
  definition: ProjectionDefinition<E, DB, Q> & { readonly query: CheckedQuery<E, Q> },
) => Projection<E, DB>;

/**
 * Defines a projection.
 *
 * Preferred form, curried: give the event union and the read tables, the query is inferred, and `handle`
 * receives exactly the events it admits: those of the types an item lists, the whole union `E` as soon as one
 * item lists no types or the query is empty (`[]` reads every event).
 * @example
 * const balances = defineProjection<BankEvent, ReadDb>()({
 *   name: 'account-balances', version: 1, query: [{ types: ['AccountOpened', 'MoneyDeposited'] }],
 *   setup: async (db) => { await sql`CREATE TABLE IF NOT EXISTS balances (…)`.execute(db); },
 *   reset: async (trx) => { await trx.deleteFrom('balances').execute(); },
 *   handle: async (events, trx) => { for (const e of events) { … } }, // e: AccountOpened | MoneyDeposited
 * });
 *
 * The form `defineProjection<E, DB>(definition)` also works, but TypeScript cannot infer the query once type
 * arguments are given: `handle` then receives the whole union `E`, and `data` criteria are checked against every
 * payload of `E` rather than those of the item's types.
 * @throws {ConfigurationError} on an invalid name, version, query, tables or handlerTimeoutMs
 */
export function defineProjection<E extends EventShape, DB>(): ProjectionBuilder<E, DB>;
export function defineProjection<E extends EventShape, DB>(definition: ProjectionDefinition<E, DB>): Projection<E, DB>;
export function defineProjection<E extends EventShape, DB>(
  ...args: [] | [ProjectionDefinition<E, DB>]
): ProjectionBuilder<E, DB> | Projection<E, DB> {
  if (args.length === 0) return (definition) => buildProjection<E, DB>(definition);
  return buildProjection(args[0]);
}

function buildProjection<E extends EventShape, DB, Q extends Query<E> = Query<E>>(definition: ProjectionDefinition<E, DB, Q>): Projection<E, DB> {
  if (typeof definition.name !== 'string' || !namePattern.test(definition.name)) {
    throw new ConfigurationError(`projection name must match ${namePattern.source}, got "${String(definition.name)}"`);
  }
  if (!Number.isSafeInteger(definition.version) || definition.version < 1) {
    throw new ConfigurationError(`projection "${definition.name}": version must be a positive integer`);
  }
  if (!Array.isArray(definition.query)) {
    throw new ConfigurationError(`projection "${definition.name}": query must be an array of query items`);
  }
  validateTables(definition.name, definition.tables);
  const timeout = definition.handlerTimeoutMs;
  if (timeout !== undefined && !validTimeout(timeout)) {
    throw new ConfigurationError(`projection "${definition.name}": handlerTimeoutMs must be an integer from 1 to ${maxHandlerTimeoutMs}`);
  }
  // `handle` is typed for the events `query` admits, and only those reach it (the projector reads by the query,
  // applyInline and projectionSpec filter by it): widening its parameter to the whole union is sound.
  return definition as unknown as Projection<E, DB>;
}

/** Names a rebuild can shadow and swap: unqualified identifiers of at most 63 bytes, each listed once. */
const tablePattern = /^[A-Za-z_][A-Za-z0-9_$]*$/;

function validateTables(name: string, tables: unknown): void {
  if (tables === undefined) return;
  const valid =
    Array.isArray(tables) &&
    tables.length > 0 &&
    tables.every((t) => typeof t === 'string' && tablePattern.test(t) && Buffer.byteLength(t) <= 63) &&
    new Set(tables).size === tables.length;
  if (!valid) throw new ConfigurationError(`projection "${name}": tables must list distinct unqualified table names (letters, digits, _ and $; at most 63 bytes)`);
}
