import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createEventStore } from '@tally/eventstore';
import { createProjector, migrateProjector } from '../src/index.js';
import { balanceProjection, type BankEvent } from './fixtures/bank.js';
import { projectorMigrations } from '../src/schema/migrations.js';
import { setupDatabase } from './helpers.js';

const { db, database } = await setupDatabase();

describe('migrateProjector', () => {
  it('adopts the checkpoint table of a projector from before versioned migrations, keeps its rows, and adds what came since', async () => {
    await sql`CREATE SCHEMA legacy`.execute(db);
    // What the projector created before it had migrations (one idempotent CREATE TABLE).
    await sql`CREATE TABLE legacy.projection_checkpoints (
      name text PRIMARY KEY, version integer NOT NULL, transaction_id bigint NOT NULL DEFAULT 0, position bigint NOT NULL DEFAULT 0,
      status text NOT NULL DEFAULT 'idle', last_error text, failed_position bigint, owner text, updated_at timestamptz NOT NULL DEFAULT now())`.execute(db);
    await sql`INSERT INTO legacy.projection_checkpoints (name, version, transaction_id, position, status) VALUES ('balances', 3, 812, 4100, 'running')`.execute(db);

    // Several workers at once, on a Kysely typed with the user's own tables.
    await Promise.all([migrateProjector(db, 'legacy'), migrateProjector(db, 'legacy'), migrateProjector(db, 'legacy')]);

    const { rows } = await sql<{ name: string; version: number; position: string; status: string }>`
      SELECT name, version, position::text AS position, status FROM legacy.projection_checkpoints`.execute(db);
    expect(rows).toEqual([{ name: 'balances', version: 3, position: '4100', status: 'running' }]);
    const { rows: applied } = await sql<{ name: string }>`SELECT name FROM legacy.tally_projector_migration ORDER BY name`.execute(db);
    expect(applied.map((r) => r.name)).toEqual(Object.keys(projectorMigrations('legacy')));
    expect(applied[0]!.name).toBe('0001_checkpoints');
    const { rows: parked } = await sql<{ exists: boolean }>`SELECT to_regclass('legacy.projection_parked') IS NOT NULL AS exists`.execute(db);
    expect(parked[0]!.exists).toBe(true);
    // Idempotent afterwards.
    await migrateProjector(db, 'legacy');
  });

  it('lets status() run on a database no projector has run on yet (tally-projector status first)', async () => {
    const store = createEventStore<BankEvent>({ connectionString: database.url, schema: 'fresh' });
    await store.migrate();
    await store.append([{ type: 'MoneyDeposited', data: { accountId: 'f', amount: 1 } }]);
    const projector = createProjector({ store, projections: [balanceProjection('fresh-balances', 'fresh_balances')], connectionString: database.url });
    try {
      const [status] = await projector.status();
      expect(status).toMatchObject({ name: 'fresh-balances', state: 'idle', storedVersion: null, lagEvents: 1, parkedEvents: 0 });
    } finally {
      await projector.stop();
      await store.close();
    }
  });
});
