/**
 * Issue 12's target "the memory store runs the contract suite at least 20× faster than PostgreSQL does":
 * runs packages/eventstore's contract suite (`describeEventStoreContract`, the same cases for both stores) on
 * PostgreSQL and on the memory store in alternating vitest processes, and compares the time vitest reports for
 * the suite (from its first hook to its last test: the cases, and making and removing the stores; not vitest's
 * start-up, transform and import). `--whole-files` times the two test files in full instead (the memory file
 * adds the memory store's own cases, one of which waits out a 20 ms lock timeout; the PostgreSQL file compares
 * 52 jsonb containments with PostgreSQL's `@>`).
 *
 * `DATABASE_URL=… pnpm --filter @tally/bench exec tsx src/decisions/contract-speed.ts [--whole-files] [rounds]`
 * (default 5 rounds). `--warm` runs the suite once untimed in the same process first and counts the test bodies of the
 * second run only (the suite span then includes both). It reports both the suite's span and the sum of its tests' own durations. Needs a built workspace (`pnpm turbo run build`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const wholeFiles = process.argv.includes('--whole-files');
const warm = process.argv.includes('--warm');
const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const packageDir = new URL('../../../packages/eventstore/', import.meta.url).pathname;
const files = { memory: 'test/contract-memory.unit.test.ts', postgres: 'test/contract-postgres.int.test.ts' } as const;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'contract-speed-'));

interface JsonReport {
  readonly testResults: {
    readonly startTime: number;
    readonly endTime: number;
    readonly status: string;
    readonly assertionResults: { readonly status: string; readonly fullName: string; readonly duration?: number }[];
  }[];
}

/**
 * One vitest run of one file: the suite's milliseconds (first hook to last test), the sum of its tests' own
 * durations (the cases' bodies, without vitest's work between tests and the per-file hooks), and how many passed.
 */
function runOnce(store: keyof typeof files): { ms: number; bodies: number; passed: number } {
  const out = path.join(scratch, `${store}.json`);
  const args = ['exec', 'vitest', 'run', files[store], '--reporter=json', `--outputFile=${out}`, ...(wholeFiles ? [] : ['-t', 'EventStore contract'])];
  execFileSync('pnpm', args, { cwd: packageDir, stdio: 'ignore', env: { ...process.env, ...(warm ? { TALLY_CONTRACT_WARMUP: '1' } : {}) } });
  const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
  const file = report.testResults[0]!;
  if (file.status !== 'passed') throw new Error(`${files[store]} did not pass`);
  const passedTests = file.assertionResults.filter((a) => a.status === 'passed' && !a.fullName.includes('(warm-up)'));
  return { ms: file.endTime - file.startTime, bodies: passedTests.reduce((sum, a) => sum + (a.duration ?? 0), 0), passed: passedTests.length };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

const loadAtStart = load();
const times = { memory: [] as number[], postgres: [] as number[] };
const bodies = { memory: [] as number[], postgres: [] as number[] };
let passed = { memory: 0, postgres: 0 };
try {
  for (let round = 0; round < rounds; round++) {
    // Alternate which store goes first, so a drift of the machine's load hits both alike.
    const order: (keyof typeof files)[] = round % 2 === 0 ? ['postgres', 'memory'] : ['memory', 'postgres'];
    for (const store of order) {
      const { ms, bodies: b, passed: n } = runOnce(store);
      times[store].push(ms);
      bodies[store].push(b);
      passed = { ...passed, [store]: n };
    }
    console.log(
      `round ${round + 1}/${rounds}: suite PostgreSQL ${times.postgres.at(-1)!.toFixed(0)} ms, memory ${times.memory.at(-1)!.toFixed(1)} ms, ` +
        `${(times.postgres.at(-1)! / times.memory.at(-1)!).toFixed(1)}×; test bodies ${bodies.postgres.at(-1)!.toFixed(0)} vs ${bodies.memory.at(-1)!.toFixed(1)} ms, ` +
        `${(bodies.postgres.at(-1)! / bodies.memory.at(-1)!).toFixed(1)}×`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const [pg, mem] = [median(times.postgres), median(times.memory)];
// Each round's two runs are adjacent in time: the median of their ratios follows the machine's load less.
const perRound = median(times.postgres.map((t, i) => t / times.memory[i]!));
console.log(
  `${wholeFiles ? 'whole files' : 'contract suite'} (${passed.postgres} PostgreSQL / ${passed.memory} memory tests), median of ${rounds}: ` +
    `PostgreSQL ${pg.toFixed(0)} ms, memory ${mem.toFixed(1)} ms = ${(pg / mem).toFixed(1)}× (median of the rounds' ratios ${perRound.toFixed(1)}×; target 20×); ` +
    `load average at start ${loadAtStart}, at the end ${load()}`,
);
