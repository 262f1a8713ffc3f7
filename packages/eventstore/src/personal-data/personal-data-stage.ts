import type { CodecIo, CodecStage } from '../codec/codec-types.js';
import { sqlKeyVault } from '../sql/subject-keys.js';
import { memoryKeyVault } from '../testing/memory/memory-key-vault.js';
import type { KeyVault } from './key-vault.js';
import type { PersonalDataCodec } from './personal-data-codec.js';

/** The codec stage of crypto-shredding, with the codec the store's own operations (`eraseSubject`, …) use. */
export interface PersonalDataStage extends CodecStage {
  readonly name: 'personal-data';
  readonly personalData: PersonalDataCodec;
}

/** The key vault a stage's io reaches: the session's connection on PostgreSQL, the store's maps in memory. */
export function vaultOf(io: CodecIo): KeyVault {
  return io.kind === 'postgres' ? sqlKeyVault(io.run, io.schema, !io.inTransaction) : memoryKeyVault(io.runtime);
}

/**
 * The last encode stage (after validation and version stamping; the first decode stage): encrypts the
 * personal fields of each event with its subjects' keys, and on reads decrypts them or gives `Erased`. An event
 * with personal data gets its id here when the caller gave none (in `PersonalDataCodec.encode`): the envelope
 * is bound to it. Without
 * `personalData` entries (a store with `encryptionKey` only, for `keyedTag`) it has neither direction and
 * costs the hot paths nothing.
 */
export function personalDataStage(personalData: PersonalDataCodec): PersonalDataStage {
  if (!personalData.hasEntries) return { name: 'personal-data', personalData };
  return {
    name: 'personal-data',
    personalData,
    encode: (events, io) => personalData.encode(() => vaultOf(io), events),
    decode: (events, io) => personalData.decode(() => vaultOf(io), events),
  };
}

/** The personal-data codec among a store's stages, if it has one. */
export function personalDataOf(stages: readonly CodecStage[]): PersonalDataCodec | undefined {
  return (stages.find((stage) => stage.name === 'personal-data') as PersonalDataStage | undefined)?.personalData;
}
