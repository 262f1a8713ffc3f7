import { CompiledQuery, type Kysely } from 'kysely';
import type pg from 'pg';

/**
 * Runs one statement whose text the store built itself (no Kysely compile per call). `name` marks a text
 * worth preparing: a runner that owns its connections prepares it once per connection, so PostgreSQL
 * parses it once instead of on every call. The text of a name never changes.
 */
export type StatementRunner = <R>(text: string, values: readonly unknown[], name?: string) => Promise<R[]>;

/** On the store's own pool: named statements become server-side prepared statements. */
export function poolRunner(pool: pg.Pool): StatementRunner {
  // A promise chain, not an async function: on the append path, each promise counts once an SDK's context
  // manager watches them all (bench:tracing).
  return <R>(text: string, values: readonly unknown[], name?: string) =>
    pool.query({ text, values: values as unknown[], ...(name === undefined ? {} : { name }) }).then((result) => result.rows as R[]);
}

/**
 * On a caller's Kysely instance or transaction: the statement goes through Kysely's connection (so it joins
 * the caller's transaction), unprepared, since the store does not know that connection's lifetime.
 */
export function kyselyRunner(db: Kysely<unknown>): StatementRunner {
  return async <R>(text: string, values: readonly unknown[]) => {
    const result = await db.executeQuery<R>(CompiledQuery.raw(text, [...values]));
    return [...result.rows];
  };
}

/**
 * Names for statement texts built from a query's shape (which criteria each item has), so a store prepares
 * the few shapes it sees. Bounded: past `max` distinct texts, further ones run unprepared rather than
 * filling every connection with prepared statements.
 */
export class StatementNames {
  readonly #names = new Map<string, string>();

  constructor(
    private readonly prefix: string,
    private readonly max = 64,
  ) {}

  nameOf(text: string): string | undefined {
    let name = this.#names.get(text);
    if (name === undefined && this.#names.size < this.max) {
      name = `${this.prefix}${this.#names.size}`;
      this.#names.set(text, name);
    }
    return name;
  }
}
