import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError } from '../errors.js';
import { isPlainObject } from '../json-problem.js';
import type { EventShape } from '../types.js';
import type { CodecOptions } from './codec-options.js';
import type { CodecStage } from './codec-types.js';
import { EventCodec } from './event-codec.js';
import { validationStage } from './validation-stage.js';
import { versionStage } from './version-stage.js';
import { PersonalDataCodec } from '../personal-data/personal-data-codec.js';
import type { PersonalDataOptions } from '../personal-data/personal-data-options.js';
import { personalDataStage } from '../personal-data/personal-data-stage.js';

/**
 * The codec of a store, from its options. Stage order (encode; decode runs it backwards): validation (when
 * `schemas`), version (always: it stamps on append only with `upcasters`, and on read refuses versions newer
 * than this code knows), personal data (when `personalData` or `encryptionKey`: encrypts personal fields last on
 * append, decrypts them first on read, so upcasters see plaintext or `Erased`).
 * @throws {ConfigurationError} on a malformed `schemas` or `upcasters`
 */
export function createCodec<E extends EventShape>(options: CodecOptions<E>): EventCodec {
  const stages: CodecStage[] = [];
  const { schemas, upcasters } = options;
  if (schemas !== undefined) {
    if (!isPlainObject(schemas)) throw new ConfigurationError('schemas must be an object of Standard Schemas by event type');
    stages.push(validationStage(schemas as Readonly<Record<string, StandardSchemaV1 | undefined>>));
  }
  if (upcasters !== undefined && !isPlainObject(upcasters)) throw new ConfigurationError('upcasters must be an object of arrays by event type');
  stages.push(versionStage((upcasters ?? {}) as Readonly<Record<string, readonly unknown[] | undefined>>));
  if (options.personalData !== undefined || options.encryptionKey !== undefined) {
    stages.push(personalDataStage(new PersonalDataCodec(options as PersonalDataOptions<EventShape>)));
  }
  return new EventCodec(stages);
}
