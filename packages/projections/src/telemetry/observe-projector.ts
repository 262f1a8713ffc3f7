import type { BatchObservableCallback } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import type { Horizon } from '@tally/eventstore';
import type { ProjectionStatus } from '../types.js';
import { PROJECTOR_SCOPE } from './project-batch-trace.js';

/**
 * How long the horizon has held committed events back: the age of the oldest transaction holding it, while events
 * wait behind it (0 when none wait). The same figure as the `tally_horizon_blocked_seconds` Prometheus gauge.
 */
export function horizonBlockedSeconds(horizon: Horizon | undefined): number {
  if (!horizon || horizon.unsettledEvents === 0) return 0;
  let oldest = 0;
  for (const blocker of horizon.blockers) oldest = Math.max(oldest, (blocker.transactionAgeMs ?? 0) / 1000);
  return oldest;
}

/**
 * Observes the projector's lag and the horizon's stall through the OpenTelemetry metrics API, beside its
 * Prometheus gauges: `tally.projection.lag.events`, `tally.projection.lag.duration` (per projection) and
 * `tally.horizon.blocked.duration`, read from `status()` when the application's SDK collects (never otherwise).
 * Returns the function that stops observing.
 */
export function observeProjector(status: () => Promise<readonly ProjectionStatus[]>): () => void {
  const meter = metrics.getMeter(PROJECTOR_SCOPE);
  const lagEvents = meter.createObservableGauge('tally.projection.lag.events', {
    description: 'Committed matching events the projection has not applied yet',
    unit: '{event}',
  });
  const lagDuration = meter.createObservableGauge('tally.projection.lag.duration', {
    description: 'Age of the oldest matching event the projection has not applied yet',
    unit: 's',
  });
  const blocked = meter.createObservableGauge('tally.horizon.blocked.duration', {
    description: 'How long the oldest transaction holding the horizon has been open, while committed events wait behind it',
    unit: 's',
  });
  const observe: BatchObservableCallback = async (result) => {
    let statuses: readonly ProjectionStatus[];
    try {
      statuses = await status();
    } catch {
      return; // stopped, or the database is away: nothing to observe this time
    }
    for (const s of statuses) {
      const attributes = { 'tally.projection': s.name };
      result.observe(lagEvents, s.lagEvents, attributes);
      result.observe(lagDuration, s.lagSeconds, attributes);
    }
    result.observe(blocked, horizonBlockedSeconds(statuses[0]?.horizon));
  };
  meter.addBatchObservableCallback(observe, [lagEvents, lagDuration, blocked]);
  return () => meter.removeBatchObservableCallback(observe, [lagEvents, lagDuration, blocked]);
}
