import {
  Kysely,
  PostgresDialect,
  sql,
  type ControlledTransaction,
  type PostgresCursor,
  type PostgresPoolClient,
  type PostgresQueryResult,
} from 'kysely';
import type pg from 'pg';
import { BatchAbandonedError, coerceError, HandlerTimeoutError } from './errors.js';
import type { ProjectorTables } from './schema/tables.js';

/** PostgreSQL's ceiling for `statement_timeout` and `idle_in_transaction_session_timeout` (ms). */
const maxServerTimeoutMs = 2_147_483_647;

/**
 * Extra time the server-side timeouts give over `timeoutMs`: the client's own timer, which says why, normally
 * fires first; the server's timeouts end the transaction when the client cannot (its event loop is stuck).
 */
const serverGraceMs = 1000;

/**
 * One batch transaction of a projection, on one connection checked out of the projector's pool for the batch
 * alone, so that the batch can be abandoned: the connection is then destroyed (pg's `release(error)`), and the
 * server rolls the transaction back and drops its locks and its transaction id, whatever the handler still
 * does. A Kysely over that single connection gives the handler a real `Transaction` (`startTransaction()`);
 * every query goes through {@link BatchTransaction.query}, which refuses to run once the batch is over, so a
 * handler that resumes after its timeout cannot write anything, let alone commit it. (Kysely's own
 * `db.transaction()` cannot do this: it offers no way to give up on a callback that never returns, nor to
 * destroy the connection under it, which it would then return to the pool mid-transaction.)
 *
 * Two bounds, so that no handler can hold a transaction (and the settled horizon of every follower) open:
 * - the client's: {@link runHandler} races the handler against `timeoutMs` and abandons the batch when it loses;
 * - the server's, set first in the transaction: `statement_timeout` and `idle_in_transaction_session_timeout`
 *   of `timeoutMs` plus a second, so the server itself ends the transaction of a process whose event loop is
 *   stuck (the session is then idle in transaction) or of a statement that runs too long.
 */
export class BatchTransaction {
  private transaction: ControlledTransaction<ProjectorTables> | undefined;
  private over = false;
  private released = false;
  private lostWith: Error | undefined;
  private abandonedWith: Error | undefined;
  private readonly abandoned: Promise<never>;
  private rejectAbandoned!: (error: Error) => void;
  private readonly onError = (error: Error) => {
    this.lostWith ??= error;
  };
  private readonly onEnd = () => {
    this.lostWith ??= new Error('Connection terminated');
  };

  private constructor(
    private readonly client: pg.PoolClient,
    readonly projection: string,
    readonly timeoutMs: number,
  ) {
    this.abandoned = new Promise<never>((_resolve, reject) => (this.rejectAbandoned = reject));
    this.abandoned.catch(() => {});
    client.on('error', this.onError);
    client.on('end', this.onEnd);
  }

  /**
   * Checks a connection out of `pool`, begins the transaction and sets the server-side timeouts.
   * @throws the driver's error when the database cannot be reached (nothing is left open)
   */
  static async begin(pool: pg.Pool, projection: string, timeoutMs: number): Promise<BatchTransaction> {
    const client = await pool.connect();
    const batch = new BatchTransaction(client, projection, timeoutMs);
    try {
      const db = new Kysely<ProjectorTables>({
        dialect: new PostgresDialect({ pool: { connect: async () => new GuardedClient(batch), end: async () => {} } }),
      });
      const trx = await db.startTransaction().execute();
      batch.transaction = trx;
      const serverMs = String(Math.min(maxServerTimeoutMs, timeoutMs + serverGraceMs));
      await sql`SELECT set_config('statement_timeout', ${serverMs}, true), set_config('idle_in_transaction_session_timeout', ${serverMs}, true)`.execute(trx);
    } catch (error) {
      batch.abandon(coerceError(error));
      throw error;
    }
    return batch;
  }

  /** The transaction the batch (and the handler) runs in. */
  get trx(): ControlledTransaction<ProjectorTables> {
    if (!this.transaction) throw new Error('the batch transaction has not begun');
    return this.transaction;
  }

  /** The error the connection died with during the batch (restart, failover, killed session, server timeout). */
  get lost(): Error | undefined {
    return this.lostWith;
  }

  /**
   * Runs the handler's `work`; rejects with {@link HandlerTimeoutError} (and abandons the batch) if it does not
   * finish within `timeoutMs` (also when it blocked the event loop so long that no timer could fire), or with the reason of {@link abandon} if the batch is abandoned meanwhile. What a
   * handler that lost the race does later is ignored: its queries are refused and nothing commits.
   */
  async runHandler(work: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(this.timeoutMs);
        this.abandon(error);
        reject(error);
      }, this.timeoutMs);
    });
    const started = performance.now();
    const running = (async () => work())();
    running.catch(() => {});
    try {
      await Promise.race([running, timeout, this.abandoned]);
    } finally {
      clearTimeout(timer);
    }
    // A handler that blocked the event loop past its time can still win the race: the timer could not fire.
    if (performance.now() - started > this.timeoutMs) {
      const error = new HandlerTimeoutError(this.timeoutMs);
      this.abandon(error);
      throw error;
    }
  }

  /** Commits and returns the connection to the pool. */
  async commit(): Promise<void> {
    try {
      await this.trx.commit().execute();
    } catch (error) {
      this.abandon(coerceError(error));
      throw error;
    }
    this.finish();
  }

  /** Rolls back and returns the connection to the pool; destroys it instead if it is lost or the rollback fails. Never throws. */
  async rollback(): Promise<void> {
    if (this.over) return;
    if (this.lostWith) {
      this.abandon(this.lostWith);
      return;
    }
    try {
      await this.trx.rollback().execute();
      this.finish();
    } catch (error) {
      this.abandon(coerceError(error));
    }
  }

  /**
   * Ends the batch now, whatever runs in it: refuses every further query, destroys the connection (the server
   * rolls back), and makes {@link runHandler} reject with `reason`. Safe to call at any time, and twice.
   */
  abandon(reason: Error): void {
    if (!this.over) {
      this.over = true;
      this.abandonedWith = reason;
      this.rejectAbandoned(reason);
    }
    this.release(reason);
  }

  /** @internal The query path of the batch's Kysely: refused once the batch is over. */
  async query<R>(text: string, parameters: readonly unknown[]): Promise<pg.QueryResult<R & pg.QueryResultRow>> {
    if (this.over) {
      throw new BatchAbandonedError(this.projection, this.abandonedWith ? `the batch is over (${this.abandonedWith.message})` : 'the batch is over', {
        cause: this.abandonedWith,
      });
    }
    return this.client.query<R & pg.QueryResultRow>(text, [...parameters]);
  }

  private finish(): void {
    this.over = true;
    this.release(this.lostWith);
  }

  private release(error: Error | undefined): void {
    if (this.released) return;
    this.released = true;
    this.client.off('error', this.onError);
    this.client.off('end', this.onEnd);
    // A truthy argument makes the pool destroy the client instead of keeping it.
    this.client.release(error ?? this.lostWith);
  }
}

type Command = PostgresQueryResult<unknown>['command'];
const commands: readonly string[] = ['UPDATE', 'DELETE', 'INSERT', 'SELECT', 'MERGE'] satisfies Command[];
/** Kysely reads `command` only to report affected rows of these; any other (BEGIN, SET, …) counts as a SELECT. */
const isCommand = (command: string): command is Command => commands.includes(command);

/** The single connection of a batch's Kysely; `release` is the batch's business, not Kysely's. */
class GuardedClient implements PostgresPoolClient {
  constructor(private readonly batch: BatchTransaction) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sql: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sql !== 'string') throw new Error('streaming queries are not supported in a projection batch');
    return this.batch.query<R>(sql, parameters ?? []).then((result) => ({
      command: isCommand(result.command) ? result.command : 'SELECT',
      rowCount: result.rowCount ?? 0,
      rows: result.rows,
    }));
  }

  release(): void {}
}
