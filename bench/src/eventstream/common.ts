/**
 * Measurement helpers shared by the Tally side (main thread) and the Emmett side (worker thread) of the
 * subscription benchmark. Nothing here touches `pg`, so both threads can import it.
 */
import { percentile } from '../measure.js';

/** Commit-to-handler latency of one subscription under a steady append rate. */
export interface LatencyResult {
  /** Appends whose promise resolved (commit timestamps taken). */
  readonly appended: number;
  /** Appends that threw. */
  readonly failedAppends: number;
  /** Appends per second actually achieved over the paced window. */
  readonly appendRate: number;
  /** Committed events the handler saw (latency samples). */
  readonly delivered: number;
  /** Committed events the handler never saw before the drain deadline. */
  readonly undelivered: number;
  /** Events the handler saw before their append resolved (negative latency, counted in the samples). */
  readonly seenBeforeResolve: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Ids never delivered, delivered more than once, or delivered without having been written. */
export interface CompletenessResult {
  readonly clients: number;
  readonly seconds: number;
  readonly written: number;
  readonly failedAppends: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unexpected: number;
  /** Milliseconds from the writers stopping to every written event delivered (or the wait giving up). */
  readonly drainMs: number;
  readonly caughtUp: boolean;
  /** Milliseconds between the last delivery and the end of the wait (long when delivery stalled rather than lagged). */
  readonly idleAtEndMs: number;
}

export interface CatchUpResult {
  readonly events: number;
  readonly seconds: number;
  readonly rate: number;
  /** False when the wait gave up before every event arrived (`events` is then what arrived). */
  readonly complete: boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves true as soon as `predicate` holds, false once `timeoutMs` has passed. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/**
 * Issues `append(i)` at `perSecond` for `durationMs`, on a timer, without waiting for earlier appends
 * (several can be in flight). Each tick issues every append that is due, so a late timer does not lower
 * the rate. `append` resolves with the event id once the append resolved; its timestamp is recorded then.
 */
export async function pacedAppends(
  perSecond: number,
  durationMs: number,
  append: (i: number) => Promise<string>,
  committedAt: Map<string, number>,
): Promise<{ appended: number; failed: number; seconds: number }> {
  const intervalMs = 1000 / perSecond;
  const total = Math.floor(durationMs / intervalMs);
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let failed = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (issued < due) {
        const p: Promise<void> = append(issued).then(
          (id) => {
            committedAt.set(id, performance.now());
          },
          () => {
            failed++;
          },
        );
        const tracked = p.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        issued++;
      }
      if (issued >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(intervalMs, start + issued * intervalMs - performance.now())));
    };
    tick();
  });
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(inFlight);
  return { appended: committedAt.size, failed, seconds };
}

/** Latency per event id: handler time minus the time its append resolved. */
export function latencyResult(
  committedAt: ReadonlyMap<string, number>,
  seenAt: ReadonlyMap<string, number>,
  failed: number,
  seconds: number,
): LatencyResult {
  const samples: number[] = [];
  let undelivered = 0;
  let early = 0;
  for (const [id, committed] of committedAt) {
    const seen = seenAt.get(id);
    if (seen === undefined) {
      undelivered++;
      continue;
    }
    const ms = seen - committed;
    if (ms < 0) early++;
    samples.push(ms);
  }
  return {
    appended: committedAt.size,
    failedAppends: failed,
    appendRate: committedAt.size / seconds,
    delivered: samples.length,
    undelivered,
    seenBeforeResolve: early,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.length === 0 ? Number.NaN : samples.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

export function completenessResult(
  clients: number,
  seconds: number,
  written: ReadonlySet<string>,
  failed: number,
  deliveries: ReadonlyMap<string, number>,
  drainMs: number,
  caughtUp: boolean,
  idleAtEndMs: number,
): CompletenessResult {
  let lost = 0;
  let duplicated = 0;
  let unexpected = 0;
  let delivered = 0;
  for (const id of written) if (!deliveries.has(id)) lost++;
  for (const [id, n] of deliveries) {
    if (!written.has(id)) {
      unexpected++;
      continue;
    }
    delivered++;
    if (n > 1) duplicated++;
  }
  return { clients, seconds, written: written.size, failedAppends: failed, delivered, lost, duplicated, unexpected, drainMs, caughtUp, idleAtEndMs };
}

/** Counts one delivery of `id`. */
export function countDelivery(deliveries: Map<string, number>, id: string): void {
  deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
}
