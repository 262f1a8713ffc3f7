/**
 * Benchmark of tamper evidence (issue 15): `store.seal()` and `store.verify()` events/s over a store of
 * BENCH_VERIFY_EVENTS (default 1,000,000) events, on a fresh database (dropped at the end), and where the event
 * digests are best computed: in PostgreSQL (what `verify()` does: digests computed and compared on the server,
 * only the answer comes back) or in Node (the seals and the canonical texts fetched, hashed with node:crypto).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @tally/bench run bench:verify
 *
 * Loading: the store's own append path (`store.append`), batches of 1,000 events from 4 concurrent clients:
 * slower than an INSERT … SELECT generate_series, but the rows are exactly what appends store (ids, tags,
 * metadata, occurred_at). Writes docs/benchmarks.md between `<!-- verify:start -->` and `<!-- verify:end -->`.
 */
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { createEventStore, type NewEvent } from '@tally/eventstore';
import pg from 'pg';
import { createBenchDatabase, machineInfo } from '../db.js';
import { writeMarkedSection } from '../doc-sections.js';
import { deposit, type TallyBenchEvent } from '../events.js';
import { formatRate, intEnv, median } from '../measure.js';
import { revision } from '../revision.js';
import { mdTable, textTable } from '../tables.js';

process.env.DATABASE_URL ??= 'postgres://postgres@127.0.0.1:5432/postgres';
const total = intEnv('BENCH_VERIFY_EVENTS', 1_000_000);
const rounds = intEnv('BENCH_VERIFY_ROUNDS', 3);
const batch = 1000;
const clients = 4;
const schema = 'tally_verify';
const log = (line: string) => console.log(line);

/**
 * The text `seal()` and `verify()` hash (packages/eventstore/src/sql/seal-digest.ts), fetched to hash in Node. A
 * copy: should it ever differ, the digests below differ from the seals' and the bench stops with an error.
 */
const canonicalText = `jsonb_build_array(e.position, e.id, e.type, e.data, e.tags, e.metadata, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text`;

function tallyDeposit(i: number): NewEvent<TallyBenchEvent> {
  const event = deposit(`acct-${i % 1000}`, i);
  return { type: event.type, data: event.data, tags: event.tags, metadata: event.metadata };
}

/**
 * `verify()` done in Node instead: the seals' digests fetched, then the canonical texts in the chain's order in
 * keyset pages of 50,000, each hashed with node:crypto and compared with its seal's digest.
 */
async function verifyInNode(url: string): Promise<{ seconds: number; events: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  let events = 0;
  let after = ['0', '0'];
  try {
    const seals = await client.query<{ digests: Buffer }>(`SELECT digests FROM "${schema}".event_seals ORDER BY seal`);
    const sealed = Buffer.concat(seals.rows.map((r) => r.digests));
    for (;;) {
      const { rows } = await client.query<{ t: string; p: string; c: string }>(
        `SELECT e.transaction_id::text AS t, e.position::text AS p, ${canonicalText} AS c FROM "${schema}".events e
          WHERE (e.transaction_id, e.position) > ($1::xid8, $2::bigint) ORDER BY e.transaction_id, e.position LIMIT 50000`,
        after,
      );
      for (const row of rows) {
        const digest = createHash('sha256').update(row.c).digest();
        if (!digest.equals(sealed.subarray(events * 32, events * 32 + 32))) throw new Error(`node digest of position ${row.p} differs from its seal`);
        events++;
      }
      if (rows.length < 50_000) break;
      after = [rows[rows.length - 1]!.t, rows[rows.length - 1]!.p];
    }
    return { seconds: (performance.now() - started) / 1000, events };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const store = createEventStore<TallyBenchEvent>({ connectionString: db.url, schema, maxConnections: clients + 2 });
  try {
    await store.migrate();
    const info = await machineInfo(db);
    log(`bench:verify on ${db.name}: loading ${total} events (store.append, ${batch} per append, ${clients} clients)`);
    const loadStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < total) {
          const from = next;
          next += batch;
          await store.append(Array.from({ length: Math.min(batch, total - from) }, (_, i) => tallyDeposit(from + i)));
        }
      }),
    );
    const loadSeconds = (performance.now() - loadStart) / 1000;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`VACUUM ANALYZE "${schema}".events`);
    await admin.end();

    const sealStart = performance.now();
    const sealed = await store.seal();
    const sealSeconds = (performance.now() - sealStart) / 1000;
    if (sealed.sealed !== total) throw new Error(`seal() sealed ${sealed.sealed} of ${total}`);

    const verifySeconds: number[] = [];
    const nodeSeconds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const started = performance.now();
      const result = await store.verify();
      verifySeconds.push((performance.now() - started) / 1000);
      if (!result.ok || result.checked !== total) throw new Error(`verify() gave ${JSON.stringify(result, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      const node = await verifyInNode(db.url);
      if (node.events !== total) throw new Error(`node digests: ${node.events} events`);
      nodeSeconds.push(node.seconds);
    }
    const rangeStart = performance.now();
    const range = await store.verify({ from: BigInt(total / 2), to: BigInt(total / 2 + 9999) });
    const rangeMs = performance.now() - rangeStart;

    const header = ['operation', 'events', 'seconds', 'events/s'];
    const row = (label: string, events: number, seconds: number) => [label, events.toLocaleString('en-US'), seconds.toFixed(2), formatRate(events / seconds)];
    const rows = [
      row('load: store.append, 1,000 per append, 4 clients (once)', total, loadSeconds),
      row('seal() of every event (one call, once)', total, sealSeconds),
      row(`verify() of every event (SQL digests, median of ${rounds})`, total, median(verifySeconds)),
      row(`the same verify in Node (texts fetched, node:crypto; median of ${rounds})`, total, median(nodeSeconds)),
      row('verify({ from, to }) of 10,000 positions mid-store (once)', range.checked, rangeMs / 1000),
    ];
    log(textTable(header, rows));
    log(`verify rounds (s): ${verifySeconds.map((s) => s.toFixed(2)).join(', ')}; node rounds (s): ${nodeSeconds.map((s) => s.toFixed(2)).join(', ')}`);
    const section = [
      '<!-- verify:start -->',
      '## Tamper evidence: seal() and verify()',
      '',
      '<!-- Generated by bench/src/verify/main.ts: do not edit by hand. -->',
      '',
      `\`DATABASE_URL=… pnpm --filter @tally/bench run bench:verify\` (${new Date().toISOString().slice(0, 16)} UTC, revision ${revision()}, ` +
        `${info.cpus} cores, ${info.postgres.split(' on ')[0]}, load ${info.loadAverage.join(' / ')} at the start and ${loadavg().map((x) => x.toFixed(2)).join(' / ')} at the end). ` +
        `${total.toLocaleString('en-US')} \`MoneyDeposited\` events with a tag and metadata, loaded through \`store.append\`; then one \`seal()\` of them all, ` +
        `then ${rounds} rounds of a full \`verify()\` and of the same digests computed in Node.`,
      '',
      mdTable(header, rows),
      '',
      '- `verify()` computes every digest in PostgreSQL (`sha256()` over the canonical jsonb text, built in since PostgreSQL 11, no extension) and compares on the server: ' +
        'only the answer leaves it. "In Node" fetches the seals\' digests and the same canonical texts, hashes each text with node:crypto and compares: ' +
        `${(median(nodeSeconds) / median(verifySeconds)).toFixed(2)}× the time of \`verify()\` in this run` +
        (Math.min(...verifySeconds) <= Math.max(...nodeSeconds) && Math.min(...nodeSeconds) <= Math.max(...verifySeconds)
          ? ', but the rounds of the two overlap: this run does not tell them apart.'
          : '.'),
      `- verify rounds (s): ${verifySeconds.map((s) => s.toFixed(2)).join(', ')}; Node rounds (s): ${nodeSeconds.map((s) => s.toFixed(2)).join(', ')}.`,
      '<!-- verify:end -->',
      '',
    ].join('\n');
    log(`wrote ${await writeMarkedSection('verify', section)}`);
  } finally {
    await store.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
