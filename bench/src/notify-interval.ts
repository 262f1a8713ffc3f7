/**
 * What after-commit notifications cost one client appending in a loop: raw INSERTs and Tally appends with
 * `notifyIntervalMs` 0 (a NOTIFY after every append), 5 and 20, and `notify: 'off'`, interleaved in rounds of
 * `BENCH_OPS` sequential calls. Prints the median µs per call and the rate ratio to raw; writes no document.
 *   DATABASE_URL=… BENCH_ROUNDS=9 BENCH_OPS=1000 tsx src/notify-interval.ts
 */
import pg from 'pg';
import { createEventStore, type EventStoreOptions } from '@tally/eventstore';
import { createBenchDatabase } from './db.js';
import { deposit, type TallyBenchEvent } from './events.js';
import { intEnv, median } from './measure.js';
import { createRawSchema, rawRowParams, rawInsertText } from './raw.js';

const rounds = intEnv('BENCH_ROUNDS', 9);
const ops = intEnv('BENCH_OPS', 1000);

async function main(): Promise<void> {
  const db = await createBenchDatabase();
  const store = (options: Partial<EventStoreOptions>) =>
    createEventStore<TallyBenchEvent>({ connectionString: db.url, maxConnections: 2, ...options } as EventStoreOptions);
  const stores = {
    'notify every append': store({ notifyIntervalMs: 0 }),
    'notify per 5 ms (default)': store({}),
    'notify per 20 ms': store({ notifyIntervalMs: 20 }),
    "notify 'off'": store({ notify: 'off' }),
  };
  const client = new pg.Client({ connectionString: db.url });
  try {
    await createRawSchema(db.url);
    await stores["notify 'off'"].migrate();
    await client.connect();
    const micros: Record<string, number[]> = {};
    const time = async (name: string, call: (i: number) => Promise<unknown>) => {
      const start = performance.now();
      for (let i = 0; i < ops; i++) await call(i);
      (micros[name] ??= []).push(((performance.now() - start) / ops) * 1000);
    };
    const rawText = rawInsertText('raw', 1);
    for (let round = 0; round < rounds; round++) {
      await time('raw', (i) => client.query({ name: 'raw', text: rawText, values: rawRowParams(deposit(`raw-${i % 1000}`, i)) }));
      for (const [name, s] of Object.entries(stores)) await time(name, (i) => s.append([deposit(`${name}-${i % 1000}`, i)]));
    }
    const raw = median(micros.raw!);
    for (const [name, values] of Object.entries(micros)) {
      console.log(`${name.padEnd(28)} ${median(values).toFixed(0).padStart(5)} µs/call  ${(raw / median(values)).toFixed(2)}× raw  (rounds: ${values.map((v) => v.toFixed(0)).join(' ')})`);
    }
  } finally {
    await client.end().catch(() => {});
    await Promise.all(Object.values(stores).map((s) => s.close()));
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
