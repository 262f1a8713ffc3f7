import type { PersonalDataOptions } from '../personal-data/personal-data-options.js';
import type { EventShape } from '../types.js';
import type { EventSchemas } from './event-schemas.js';
import type { Upcasters } from './upcasters.js';

/** The store options that shape the event codec (both stores take them). */
export interface CodecOptions<E extends EventShape> extends PersonalDataOptions<E> {
  /**
   * For each event type whose data changed shape, its upcasters, oldest first (`[v1 → v2, v2 → v3, …]`). Appends
   * stamp events with their type's current version; every read path returns the current shape. Queries and
   * conditions on `data` match what is stored: old events keep their old shape in the database.
   * @defaultValue no upcasters: every type is at version 1
   */
  readonly upcasters?: Upcasters<E>;
  /**
   * A Standard Schema per event type: appends of that type are validated and refused with
   * `InvalidEventError` (`INVALID_EVENT_DATA`, with the failing path); nothing of the batch is written.
   * @defaultValue no runtime validation
   */
  readonly schemas?: EventSchemas<E>;
}
