import { Gauge, Registry } from 'prom-client';
import { horizonBlockedSeconds } from '../telemetry/observe-projector.js';
import type { Projector } from '../create-projector.js';

/** The projector's Prometheus metrics: `render()` computes them from `status()` at each scrape. */
export interface MetricsRegistry {
  readonly contentType: string;
  render(): Promise<string>;
}

/** The gauges of `/metrics`, in a registry of their own. */
export function createMetricsRegistry(projector: Pick<Projector, 'status'>): MetricsRegistry {
  const registry = new Registry();
  const labelNames = ['projection'] as const;
  const lagEvents = new Gauge({ name: 'tally_projection_lag_events', help: 'Matching events not yet applied', labelNames, registers: [registry] });
  const lagSeconds = new Gauge({ name: 'tally_projection_lag_seconds', help: 'Age of the oldest event not yet applied', labelNames, registers: [registry] });
  const owned = new Gauge({ name: 'tally_projection_owned', help: '1 when this worker runs the projection', labelNames, registers: [registry] });
  const failed = new Gauge({ name: 'tally_projection_failed', help: '1 when the projection stopped on a failing handler', labelNames, registers: [registry] });
  const position = new Gauge({
    name: 'tally_projection_checkpoint_position',
    help: 'Every matching event at or below this position is applied (the store head when caught up)',
    labelNames,
    registers: [registry],
  });
  const parked = new Gauge({ name: 'tally_projection_parked_events', help: 'Events parked by a failing handler, not yet retried or skipped', labelNames, registers: [registry] });
  const held = new Gauge({ name: 'tally_projection_held_events', help: 'Events held behind a parked event of the same tag', labelNames, registers: [registry] });
  const unsettled = new Gauge({ name: 'tally_projection_unsettled_events', help: 'Committed matching events held back by the horizon', labelNames, registers: [registry] });
  const blockedSeconds = new Gauge({
    name: 'tally_horizon_blocked_seconds',
    help: 'How long the oldest transaction holding the horizon has been open, while committed events wait behind it (0 when none wait)',
    registers: [registry],
  });
  const blocker = new Gauge({
    name: 'tally_horizon_blocker_seconds',
    help: 'Each transaction holding the horizon back, by age',
    labelNames: ['pid', 'database', 'application', 'state', 'reason', 'transaction'] as const,
    registers: [registry],
  });

  return {
    contentType: registry.contentType,
    async render() {
      const statuses = await projector.status();
      const horizon = statuses[0]?.horizon;
      blocker.reset();
      for (const b of horizon?.blockers ?? []) {
        const age = (b.transactionAgeMs ?? 0) / 1000;
        blocker.set(
          { pid: String(b.pid ?? ''), database: b.database ?? '', application: b.applicationName ?? '', state: b.state ?? '', reason: b.reason, transaction: b.transactionId.toString() },
          age,
        );
      }
      blockedSeconds.set(horizonBlockedSeconds(horizon));
      for (const s of statuses) {
        const labels = { projection: s.name };
        lagEvents.set(labels, s.lagEvents);
        lagSeconds.set(labels, s.lagSeconds);
        owned.set(labels, s.ownedHere ? 1 : 0);
        failed.set(labels, s.state === 'failed' ? 1 : 0);
        parked.set(labels, s.parkedEvents);
        held.set(labels, s.heldEvents);
        position.set(labels, Number(s.appliedPosition));
        unsettled.set(labels, s.unsettledEvents);
      }
      return registry.metrics();
    },
  };
}
