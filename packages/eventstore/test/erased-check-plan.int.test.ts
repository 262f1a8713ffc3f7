import { createTestDatabase, type TestDatabase } from '@tally/test-harness';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventStore, type EventStore } from '../src/index.js';
import { appendStatements } from '../src/sql/append-events.js';
import { newKey, personalData, registered, type PiiEvent } from './contract/erasure-fixtures.js';

/*
 * Every append of personal data checks, in its own statement, that none of its subjects is erased. That check
 * runs as a prepared statement's generic plan, where PostgreSQL knows nothing of the array it is given: asked of
 * `subject_keys` (one row per subject), it scanned the whole table (measured: ~70 µs an append at 800
 * subjects, more with every subject; a partial index of erased keys helps only once the table is analyzed).
 * Asked of `erasures`, it reads a table of the erased subjects only, whatever the number of subjects and the
 * statistics; with many erasures, through its unique index.
 */

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Index Name'?: string;
  readonly Plans?: readonly PlanNode[];
}
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

let database: TestDatabase;
let store: EventStore<PiiEvent>;
let client: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  store = createEventStore<PiiEvent>({ connectionString: database.url, personalData, encryptionKey: newKey() });
  await store.migrate();
  await store.append([registered('cust-1', 'Ada Lovelace'), registered('cust-2', 'Grace Hopper')]);
  await store.eraseSubject('cust-2');
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
});
afterAll(async () => {
  await client.end();
  await store.close();
  await database.drop();
});

/** The relations (and indexes) the guarded statements' generic plans read, but the append's own. */
async function checkReads(): Promise<string[]> {
  const statements = appendStatements('tally');
  const [hash] = (await client.query<{ h: string }>(`SELECT encode(subject_hash, 'hex') AS h FROM tally.subject_keys WHERE erased_at IS NULL LIMIT 1`)).rows;
  const events = JSON.stringify([{ id: '0190a6d2-0000-7000-8000-000000000001', type: 'Noted', data: { note: 'x' }, tags: [], metadata: {} }]);
  const plain = [events, '{1}', '{f}', null, `{${hash!.h}}`];
  const general = [events, '{1}', '{f}', false, null, null, null, null, null, null, `{${hash!.h}}`];
  const reads: string[] = [];
  await client.query('SET plan_cache_mode = force_generic_plan');
  try {
    for (const [name, text, params] of [
      ['check_plain', statements.guardedPlain.text, plain],
      ['check_general', statements.guardedGeneral.text, general],
    ] as const) {
      await client.query(`PREPARE ${name} AS ${text}`);
      const literals = params.map((p) => (p === null ? 'NULL' : typeof p === 'boolean' ? String(p) : client.escapeLiteral(p)));
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) EXECUTE ${name}(${literals.join(', ')})`);
      await client.query(`DEALLOCATE ${name}`);
      for (const node of nodes(rows[0]!['QUERY PLAN'][0].Plan)) {
        const relation = node['Relation Name'];
        if (relation === undefined || relation === 'events' || relation === 'horizon_mark') continue;
        reads.push(`${name}: ${relation}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`);
      }
    }
  } finally {
    await client.query('RESET plan_cache_mode');
  }
  return reads;
}

describe('the erased-subject check of appends', () => {
  it('never reads subject_keys: not at a thousand subjects, not at a hundred thousand never analyzed', async () => {
    for (const total of [1_000, 100_000]) {
      await client.query(
        `INSERT INTO tally.subject_keys (subject_hash, key_id, wrapped_key)
         SELECT sha256(convert_to('bulk-' || g, 'UTF8')), 'k', '\\x00' FROM generate_series((SELECT count(*) FROM tally.subject_keys) + 1, $1::int) AS g`,
        [total],
      );
      expect(await checkReads()).toEqual(['check_plain: erasures', 'check_general: erasures']);
    }
  });

  it('reads erasures through its index once there are many', async () => {
    await client.query(
      `INSERT INTO tally.erasures (subject_hash, subject, erased_at) SELECT sha256(convert_to('gone-' || g, 'UTF8')), 'gone-' || g, now() FROM generate_series(1, 20000) AS g`,
    );
    await client.query('ANALYZE tally.erasures');
    expect(await checkReads()).toEqual(['check_plain: erasures using erasures_subject_hash_key', 'check_general: erasures using erasures_subject_hash_key']);
  });

  it('still refuses an append for an erased subject, and takes one for a subject not erased', async () => {
    await expect(store.append([registered('cust-2', 'Grace Hopper')])).rejects.toMatchObject({ code: 'SUBJECT_ERASED' });
    await expect(store.append([registered('cust-1', 'Ada Lovelace')])).resolves.toMatchObject({ duplicate: false });
  });
});
