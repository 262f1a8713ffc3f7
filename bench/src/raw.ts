import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { accountFor, deposit, deposits, type BenchEvent } from './events.js';
import { runClients, type Contender } from './measure.js';

/**
 * The raw limit: a plain table with the row shape and indexes of Tally's `events` table (identity
 * position, xid8 transaction id, unique uuid, type, jsonb data, text[] tags, jsonb metadata, timestamp;
 * btree (type, position), GIN tags without pending list, GIN data jsonb_path_ops with a 128 kB pending list,
 * btree (transaction_id, position)), index options included.
 * Only the immutability triggers are left out: they are statement triggers on UPDATE/DELETE/TRUNCATE
 * and never fire on INSERT.
 */
export async function createRawSchema(url: string, schema = 'raw'): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
CREATE SCHEMA ${schema};
CREATE TABLE ${schema}.events (
  position       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
  id             uuid        NOT NULL,
  type           text        NOT NULL CHECK (type <> ''),
  data           jsonb       NOT NULL,
  tags           text[]      NOT NULL DEFAULT '{}',
  metadata       jsonb       NOT NULL DEFAULT '{}',
  occurred_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_id_key UNIQUE (id)
);
CREATE INDEX events_type_position_idx ON ${schema}.events (type, position);
CREATE INDEX events_tags_idx ON ${schema}.events USING gin (tags) WITH (fastupdate = off);
CREATE INDEX events_data_idx ON ${schema}.events USING gin (data jsonb_path_ops) WITH (gin_pending_list_limit = 128);
CREATE INDEX events_transaction_position_idx ON ${schema}.events (transaction_id, position);`);
  } finally {
    await client.end();
  }
}

/** Parameters of one row, in column order (id, type, data, tags, metadata). */
export function rawRowParams(event: BenchEvent): unknown[] {
  return [uuidv7(), event.type, JSON.stringify(event.data), event.tags, JSON.stringify(event.metadata)];
}

/** `INSERT … VALUES ($1…$5), ($6…$10), …` for `rows` rows. */
export function rawInsertText(schema: string, rows: number): string {
  const values = Array.from({ length: rows }, (_, r) => {
    const p = (i: number) => `$${r * 5 + i}`;
    return `(${p(1)}, ${p(2)}, ${p(3)}::jsonb, ${p(4)}::text[], ${p(5)}::jsonb)`;
  });
  return `INSERT INTO ${schema}.events (id, type, data, tags, metadata) VALUES ${values.join(', ')}`;
}

/**
 * Raw appends: `clients` separate connections, each running autocommit parameterised INSERTs of
 * `batch` rows (one statement, so one transaction, per call).
 */
export function rawAppend(url: string, clients: number, batch: number, schema = 'raw'): Contender {
  let connections: pg.Client[] | undefined;
  const text = rawInsertText(schema, batch);
  const scenario = `raw${batch}x${clients}`;
  return {
    label: 'raw',
    async round(durationMs) {
      connections ??= await Promise.all(
        Array.from({ length: clients }, async () => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          return c;
        }),
      );
      const conns = connections;
      return runClients(clients, durationMs, async (client, i) => {
        const account = accountFor(scenario, client, i);
        const events = batch === 1 ? [deposit(account, i)] : deposits(account, i, batch);
        await conns[client]!.query(text, events.flatMap(rawRowParams));
        return { events: batch };
      });
    },
    async close() {
      await Promise.all((connections ?? []).map((c) => c.end()));
      connections = undefined;
    },
  };
}

/**
 * The raw read limit: pages of `pageSize` rows by position, with plain `pg` (rows parsed into objects,
 * jsonb parsed), from the start of `table` until the round ends or the table does.
 */
export function rawRead(url: string, table: string, pageSize: number): Contender {
  let connection: pg.Client | undefined;
  const text = `SELECT position, transaction_id, id, type, data, tags, metadata, occurred_at
    FROM ${table} WHERE position > $1 ORDER BY position LIMIT $2`;
  return {
    label: 'raw SELECT pages',
    async round(durationMs) {
      if (!connection) {
        connection = new pg.Client({ connectionString: url });
        await connection.connect();
      }
      const conn = connection;
      let after = '0';
      return runClients(1, durationMs, async () => {
        const { rows } = await conn.query<{ position: string }>(text, [after, pageSize]);
        after = rows.length === pageSize ? rows[rows.length - 1]!.position : '0';
        return { events: rows.length };
      });
    },
    async close() {
      await connection?.end();
      connection = undefined;
    },
  };
}
