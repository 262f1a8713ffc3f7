import type { EventShape, EventType } from '@tally/eventstore';
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
 * Defines a projection. Pass the listed event types as the third type argument to narrow `handle`'s events
 * (TypeScript cannot infer it once `E` and `DB` are given explicitly).
 * @example
 * const balances = defineProjection<BankEvent, ReadDb, 'AccountOpened' | 'MoneyDeposited'>({
 *   name: 'account-balances', version: 1, query: [{ types: ['AccountOpened', 'MoneyDeposited'] }],
 *   setup: async (db) => { await sql`CREATE TABLE IF NOT EXISTS balances (…)`.execute(db); },
 *   reset: async (trx) => { await trx.deleteFrom('balances').execute(); },
 *   handle: async (events, trx) => { for (const e of events) { … } },
 * });
 * @throws {ConfigurationError} on an invalid name, version, tables or handlerTimeoutMs
 */
export function defineProjection<E extends EventShape, DB, T extends EventType<E> = EventType<E>>(
  definition: ProjectionDefinition<E, DB, T>,
): Projection<E, DB> {
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
  // The handler only ever receives events matching the query, i.e. of the types T: widening is sound.
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
