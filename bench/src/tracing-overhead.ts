/**
 * The JavaScript an append adds for tracing, alone, in nanoseconds per call: the store's own `traceAppend` wrapper
 * and the trace-context lookup of `append()`, taken from the built package (they are internal: not exported), run
 * around a function that does nothing. Free of the database's noise, so that "no SDK costs nothing" is a figure a
 * loaded machine cannot hide.
 */
import type { AppendResult } from '@tally/eventstore';

interface TracingInternals {
  traceAppend(description: { schema: string; events: readonly { type: unknown }[]; conditional: boolean }, work: () => Promise<AppendResult>): Promise<AppendResult>;
  activeTraceContext(): Readonly<Record<string, string>> | undefined;
  withTraceContext<M extends Readonly<Record<string, unknown>>>(metadata: M, trace: Readonly<Record<string, string>>): M;
}

async function internals(): Promise<TracingInternals> {
  const dist = new URL('../../packages/eventstore/dist/telemetry/', import.meta.url);
  const [append, context] = await Promise.all([import(new URL('trace-append.js', dist).href), import(new URL('trace-context.js', dist).href)]);
  return { ...(append as Pick<TracingInternals, 'traceAppend'>), ...(context as Omit<TracingInternals, 'traceAppend'>) };
}

const result: AppendResult = { positions: [1n], ids: ['x'], schemaVersions: [1], lastPosition: 1n, duplicate: false };
const description = { schema: 'tally', events: [{ type: 'MoneyDeposited' }], conditional: false };
const metadata = { correlationId: 'c' };

/** Median ns per call of `op` over `runs` runs of `calls` calls each. */
async function nsPerCall(op: () => Promise<unknown>, calls: number, runs: number): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    for (let i = 0; i < calls; i++) await op();
    samples.push(((performance.now() - started) * 1e6) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

/** ns per call: a bare call, and the same call inside what an append adds for tracing. */
export async function tracingOverhead(calls = 200_000, runs = 5): Promise<{ bare: number; traced: number }> {
  const { traceAppend, activeTraceContext, withTraceContext } = await internals();
  const work = () => Promise.resolve(result);
  const traced = () =>
    traceAppend(description, async () => {
      const trace = activeTraceContext();
      if (trace) withTraceContext(metadata, trace);
      return work();
    });
  await nsPerCall(traced, calls / 10, 1); // warm-up
  await nsPerCall(work, calls / 10, 1);
  return { bare: await nsPerCall(work, calls, runs), traced: await nsPerCall(traced, calls, runs) };
}
