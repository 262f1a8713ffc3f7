import { parseVerifyOptions } from './parse-verify-options.js';
import { lastSeal } from './sql/seal-events.js';
import { compareRun, eventsAfter, firstBrokenSeal, sealChain, sealExtents, sealsTouching, type SealExtent } from './sql/verify-seals.js';
import type { StatementRunner } from './sql/runner.js';
import type { StoreRuntime } from './store-runtime.js';
import type { SettledCheckpoint } from './types.js';
import type { VerifyOptions, VerifyProblem, VerifyResult } from './verify-types.js';

/** Sealed events compared per statement (a few seals). */
const EVENTS_PER_COMPARISON = 50_000;
const origin: SettledCheckpoint = { transactionId: 0n, position: 0n };

/**
 * The store's `verify()`: recomputes the digest of every sealed event in the range from what is stored, and
 * compares them, in the chain's order, with the seals; checks that each seal's chain value follows from the
 * one before (all seals: cheap, no events read), and that `expectedHead` is still in the chain.
 * @throws {InvalidQueryError} `INVALID_OPTION` for a bad `from`, `to` or `expectedHead`
 */
export function verifyStore(runtime: StoreRuntime, options: VerifyOptions): Promise<VerifyResult> {
  return runtime.guard(async () => {
    const { expected, ...range } = parseVerifyOptions(options);
    const run = runtime.rootRun;
    const { schema } = runtime.settings;
    const last = await lastSeal(run, schema);
    const chain = await firstBrokenSeal(run, schema);
    const trustedLast = chain.broken === undefined ? (last ? BigInt(last.seal) : 0n) : chain.broken - 1n;

    let checked = 0;
    let found: { position: bigint | undefined; problem: VerifyProblem } | undefined;
    const touching = await sealsTouching(run, schema, range.from, range.to);
    if (touching && touching.first <= trustedLast) {
      const compared = await compareSeals(run, schema, touching.first, touching.last < trustedLast ? touching.last : trustedLast, range);
      checked = compared.checked;
      found = compared.found;
    }
    if (!found && chain.broken !== undefined) {
      // The last seal that checks out (none when the first seal was deleted: from the start).
      const trusted = trustedLast === 0n ? undefined : (await sealExtents(run, schema, trustedLast, trustedLast))[0];
      const before = trusted ? endOf(trusted) : origin;
      const next = (await eventsAfter(run, schema, before, range)).first ?? (await sealChain(run, schema, chain.broken))?.firstPosition;
      found = { position: next, problem: 'seal' };
    }
    if (!found && expected) {
      const anchored = await sealChain(run, schema, expected.seal);
      // The seal gone (the newest seals and events dropped): the first event after what is left, if any.
      const after = last ? { transactionId: BigInt(last.last_transaction_id), position: BigInt(last.last_position) } : origin;
      if (anchored?.chain !== expected.chain) {
        found = { position: anchored?.firstPosition ?? (await eventsAfter(run, schema, after, range)).first, problem: 'head' };
      }
    }

    const sealedThrough = last ? { transactionId: BigInt(last.last_transaction_id), position: BigInt(last.last_position) } : undefined;
    const { count: unsealed } = await eventsAfter(run, schema, sealedThrough ?? origin, range);
    return {
      ok: found === undefined,
      checked,
      ...(found ? { problem: found.problem, ...(found.position === undefined ? {} : { firstBroken: found.position }) } : {}),
      ...(last && sealedThrough ? { head: `${last.seal}:${last.chain}`, sealedThrough } : {}),
      unsealed,
    };
  }, 'read');
}

/** Compares seals `first`..`last` with the events, a few seals per statement, up to the first difference. */
async function compareSeals(
  run: StatementRunner,
  schema: string,
  first: bigint,
  last: bigint,
  range: { from: bigint; to: bigint },
): Promise<{ checked: number; found?: { position: bigint; problem: VerifyProblem } }> {
  // The seal before `first` gives where its events start.
  const extents = await sealExtents(run, schema, first - 1n, last);
  let next = extents[0]?.seal === first - 1n ? 1 : 0;
  let after = next === 1 ? endOf(extents[0]!) : origin;
  let checked = 0;
  while (next < extents.length) {
    const start = next;
    let events = 0;
    while (next < extents.length && (next === start || events + extents[next]!.events <= EVENTS_PER_COMPARISON)) {
      events += extents[next]!.events;
      next++;
    }
    const [head, tail] = [extents[start]!, extents[next - 1]!];
    const through = endOf(tail);
    const result = await compareRun(run, schema, { first: head.seal, last: tail.seal }, after, through, range);
    checked += result.checked;
    if (result.broken) {
      const { sealed, actual, actualSealed } = result.broken;
      if (actual !== null && (sealed === null || (actual !== sealed && !actualSealed))) {
        return { checked, found: { position: actual, problem: 'unsealed-event' } };
      }
      return { checked, found: { position: sealed!, problem: sealed === actual ? 'altered' : 'missing' } };
    }
    after = through;
  }
  return { checked };
}

function endOf(extent: SealExtent): SettledCheckpoint {
  return { transactionId: extent.lastTransactionId, position: extent.lastPosition };
}
