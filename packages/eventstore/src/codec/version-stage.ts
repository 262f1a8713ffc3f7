import { ConfigurationError, EventVersionError } from '../errors.js';
import type { CodecStage, DecodingEvent, EncodingEvent } from './codec-types.js';

/** Upcasters as the stage runs them: the static types are the option's (see `Upcasters`). */
type Steps = readonly ((data: unknown) => unknown)[];

/**
 * The version stage. On append it stamps each event of a type with upcasters with that type's current version
 * (upcasters + 1; events of other types keep the column's default, 1). On read it brings each event from its
 * stored version to the current one, and refuses an event of a version newer than this code knows (also for
 * types without upcasters, whose current version is 1).
 * @throws {ConfigurationError} when an upcaster list is not an array of functions
 */
export function versionStage(upcasters: Readonly<Record<string, readonly unknown[] | undefined>>): CodecStage {
  const chains = new Map<string, Steps>();
  for (const [type, steps] of Object.entries(upcasters)) {
    if (steps === undefined) continue;
    if (!Array.isArray(steps) || steps.some((step) => typeof step !== 'function')) {
      throw new ConfigurationError(`upcasters.${type} must be an array of functions (version 1 → 2, 2 → 3, …)`);
    }
    if (steps.length > 0) chains.set(type, steps as Steps);
  }
  const current = (type: string) => (chains.get(type)?.length ?? 0) + 1;

  const decodeOne = <T extends DecodingEvent>(event: T): T => {
    const known = current(event.type);
    if (event.schemaVersion === known) return event;
    if (!(event.schemaVersion < known && event.schemaVersion >= 1)) throw new EventVersionError('UNKNOWN_EVENT_VERSION', event, known);
    const steps = chains.get(event.type)!;
    let data = event.data;
    try {
      for (let v = event.schemaVersion; v < known; v++) data = steps[v - 1]!(data);
    } catch (error) {
      throw new EventVersionError('UPCAST_FAILED', event, known, { cause: error });
    }
    return { ...event, data };
  };

  return {
    name: 'version',
    ...(chains.size === 0
      ? {}
      : {
          encode: (events: readonly EncodingEvent[]) =>
            events.map((event) => (chains.has(event.type) ? { ...event, schemaVersion: current(event.type) } : event)),
        }),
    decode: (events) => {
      // Most reads meet only current events: the same array comes back, nothing is copied.
      let out: DecodingEvent[] | undefined;
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        const decoded = decodeOne(event);
        if (decoded !== event) (out ??= events.slice(0))[i] = decoded;
      }
      return out ?? events;
    },
  };
}
