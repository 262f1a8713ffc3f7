import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EncryptionKeyOption, EventShape, PersonalDataMap, Upcasters } from '@tally/eventstore';
import { ConfigurationError } from '../errors.js';
import type { AnyProjection } from '../types.js';

/** The default export of a `tally-projector --config` module. */
export interface ProjectorConfig<E extends EventShape = EventShape> {
  readonly projections: readonly AnyProjection<E>[];
  /** @defaultValue process.env.DATABASE_URL */
  readonly connectionString?: string;
  /** Schema of the event store. @defaultValue 'tally' */
  readonly schema?: string;
  /** Events per batch. @defaultValue 500 */
  readonly batchSize?: number;
  /** @defaultValue 1000 */
  readonly pollIntervalMs?: number;
  /** @defaultValue 5 */
  readonly maxAttempts?: number;
  /** Default handler timeout of the projections that set none (see `createProjector`). @defaultValue 30000 */
  readonly handlerTimeoutMs?: number;
  /** The store's `horizonGraceMs` (see `createEventStore`). @defaultValue 5000 */
  readonly horizonGraceMs?: number;
  /**
   * The store's `upcasters` (see `createEventStore`): the same as the application's, or the worker refuses the
   * events the application writes at newer versions (`UNKNOWN_EVENT_VERSION`). @defaultValue none
   */
  readonly upcasters?: Upcasters<E>;
  /**
   * The store's `personalData` and `encryptionKey` (see `createEventStore`): the worker's projections read
   * personal fields decrypted, or `Erased`, only with the same options as the application's store.
   */
  readonly personalData?: PersonalDataMap<E>;
  readonly encryptionKey?: EncryptionKeyOption;
}

/** Loads and checks a config module (a `.js` file, or `.ts` when Node runs with a TypeScript loader such as tsx). */
export async function loadConfig(path: string): Promise<ProjectorConfig & { connectionString: string }> {
  const module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  const config = module.default as ProjectorConfig | undefined;
  if (!config || typeof config !== 'object' || !Array.isArray(config.projections)) {
    throw new ConfigurationError(`${path}: the default export must be { projections: [...], connectionString? }`);
  }
  const connectionString = config.connectionString ?? process.env.DATABASE_URL;
  if (!connectionString) throw new ConfigurationError(`${path}: no connectionString in the config and DATABASE_URL is not set`);
  return { ...config, connectionString };
}
