import pg from 'pg';

/**
 * The worker's dedicated session: holds the session advisory locks that make it the one runner of its
 * projections (the server releases them when the session ends, e.g. when the process is killed), and is
 * counted as a live worker through its `application_name`. It does not LISTEN: wake-ups come from the
 * projector's `Listener` (`@tally/eventstream`), whose connection has another `application_name`.
 */
export class WorkerConnection {
  private client: pg.Client | undefined;
  private lostHandler: (() => void) | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
    readonly workerId: string,
  ) {}

  /** Prefix of the `application_name` of every worker on this schema. */
  get applicationPrefix(): string {
    return `tally-projector:${this.schema}:`;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Called each time an open session is lost (every lock is then gone); not for a `connect()` that fails. */
  onLost(handler: () => void): void {
    this.lostHandler = handler;
  }

  async connect(): Promise<void> {
    if (this.client) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: `${this.applicationPrefix}${this.workerId}`.slice(0, 63),
      keepAlive: true,
    });
    let lost = false;
    let established = false;
    // The server restarting, failing over or killing the session ends it with an 'error', an 'end' or both:
    // never an uncaught exception. The projector reconnects at its next claim.
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = undefined;
      client.end().catch(() => {});
      if (established) this.lostHandler?.();
    };
    client.on('error', onLost);
    client.on('end', onLost);
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    this.client = client;
    established = true;
  }

  /** Tries to take the projection's session lock (non-blocking). */
  async tryLock(name: string): Promise<boolean> {
    const { rows } = await this.required().query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS locked',
      [`tally-projection:${this.schema}`, name],
    );
    return rows[0]?.locked === true;
  }

  async unlock(name: string): Promise<void> {
    await this.required().query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', [`tally-projection:${this.schema}`, name]);
  }

  /** Number of live workers on this database and schema (sessions with the worker `application_name`). */
  async liveWorkers(): Promise<number> {
    const prefix = this.applicationPrefix;
    const { rows } = await this.required().query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND left(application_name, length($1)) = $1`,
      [prefix],
    );
    return Math.max(1, rows[0]?.n ?? 1);
  }

  /** Closes the session: every lock it held is released. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      client.removeAllListeners('error');
      client.on('error', () => {});
      await client.end().catch(() => {});
    }
  }

  private required(): pg.Client {
    if (!this.client) throw new Error('worker connection is not open');
    return this.client;
  }
}
