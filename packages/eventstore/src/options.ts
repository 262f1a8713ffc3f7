import type { CodecOptions } from './codec/codec-options.js';
import { ConfigurationError } from './errors.js';
import type { EventShape } from './types.js';
import { validateChannel } from './validation.js';

/** How appends wake up listeners. */
export type NotifyMode = 'after-commit' | 'in-transaction' | 'off';

interface CommonOptions<E extends EventShape> extends CodecOptions<E> {
  /** Schema holding the store's tables and functions. @defaultValue 'tally' */
  readonly schema?: string;
  /** NOTIFY channel appends signal on: at most 63 bytes. @defaultValue `${schema}_events` */
  readonly channel?: string;
  /**
   * `after-commit`: one coalesced NOTIFY after commits (a lost one costs a poll interval);
   * `in-transaction`: NOTIFY inside each append (serialises commits cluster-wide); `off`: polling only.
   * Appends through `with(trx)` always notify inside the caller's transaction (unless `off`).
   * @defaultValue 'after-commit'
   */
  readonly notify?: NotifyMode;
  /**
   * With `notify: 'after-commit'`: the least time between two notifications. Appends in between are
   * announced together by the next one; the first append after a quiet spell is announced at once. With 0,
   * notifications are only coalesced while one is in flight. A longer interval trades subscription latency
   * for appender throughput: one client appending in a loop measured 0.53× of a raw INSERT with a NOTIFY per
   * append, 0.60× at 5 ms, 0.68× at 20 ms, 0.71× with none (`pnpm --filter @tally/bench run bench:notify`);
   * commit-to-handler latency at 500 appends/s (`bench:stream`, same machine and day) was p50 3.1 ms at 0,
   * 3.0–3.5 ms at 5 ms and 11.1 ms at 20 ms.
   * @defaultValue 5
   */
  readonly notifyIntervalMs?: number;
  /** Largest `data` + `metadata` of one event, in bytes of JSON. @defaultValue 1048576 */
  readonly maxEventBytes?: number;
  /** Above this many distinct lock keys, a batch locks as a bulk write. @defaultValue 256 */
  readonly maxFineLocks?: number;
  /**
   * How long followers (subscriptions, projections) wait for a transaction of this database that holds a
   * transaction id but has not appended. Past it they move on, and an append from that transaction is
   * refused with `TransactionTooOldError`. Transactions of other databases, and transactions that declared
   * they never append (projector batches), never hold followers back; one that has appended holds them
   * until it ends. @defaultValue 5000
   */
  readonly horizonGraceMs?: number;
}

/**
 * Any Kysely instance or transaction, whatever its database type: Kysely is invariant in that type, so the
 * store asks only for the shape it uses and works on its own tables through it.
 */
export interface KyselyInstance {
  withSchema(schema: string): unknown;
  connection(): unknown;
  startTransaction(): unknown;
}

/**
 * Options of `createEventStore` for the event union `E`: a connection string (the store owns its pool) or a
 * Kysely instance (the caller owns it).
 */
export type EventStoreOptions<E extends EventShape = EventShape> = CommonOptions<E> &
  (
    | {
        readonly connectionString: string;
        /** Pool size. @defaultValue 10 */
        readonly maxConnections?: number;
        readonly db?: never;
      }
    | { readonly db: KyselyInstance; readonly connectionString?: never }
  );

/** The options with their defaults applied, checked. */
export interface ResolvedOptions {
  readonly schema: string;
  readonly channel: string;
  readonly notifyMode: NotifyMode;
  readonly notifyIntervalMs: number;
  readonly maxEventBytes: number;
  readonly maxFineLocks: number;
  readonly horizonGraceMs: number;
}

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** @throws {ConfigurationError} */
export function resolveOptions(options: EventStoreOptions): ResolvedOptions {
  const schema = options.schema ?? 'tally';
  if (!schemaPattern.test(schema)) {
    throw new ConfigurationError(`schema must be a lower-case SQL identifier (a-z, 0-9, _), got "${schema}"`);
  }
  const channel = validateChannel(options.channel ?? `${schema}_events`);
  const notifyIntervalMs = options.notifyIntervalMs ?? 5;
  if (typeof notifyIntervalMs !== 'number' || !Number.isFinite(notifyIntervalMs) || notifyIntervalMs < 0) {
    throw new ConfigurationError('notifyIntervalMs must be a non-negative number of milliseconds');
  }
  const horizonGraceMs = options.horizonGraceMs ?? 5000;
  if (typeof horizonGraceMs !== 'number' || !Number.isInteger(horizonGraceMs) || horizonGraceMs < 0 || horizonGraceMs > 2_147_483_647) {
    throw new ConfigurationError('horizonGraceMs must be a non-negative integer number of milliseconds');
  }
  return {
    schema,
    channel,
    notifyMode: options.notify ?? 'after-commit',
    notifyIntervalMs,
    maxEventBytes: options.maxEventBytes ?? 1024 * 1024,
    maxFineLocks: options.maxFineLocks ?? 256,
    horizonGraceMs,
  };
}
