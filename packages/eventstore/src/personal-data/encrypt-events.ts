import { v7 as uuidv7 } from 'uuid';
import type { EncodingEvent } from '../codec/codec-types.js';
import { SubjectErasedError } from '../encryption-errors.js';
import { encryptField } from './field-cipher.js';
import type { PersonalDataEntry } from './personal-data-options.js';

/** A subject's keyed hash: base64url (envelopes, the vault's API) and hex (what the append statement checks). */
export interface SubjectRef {
  readonly hash: string;
  readonly hex: string;
}

/**
 * The events with their personal fields replaced by envelopes: `subjects[i]` are the subjects of event i's entries
 * (undefined for a type without personal data) and `keys` their data keys in that order, event after event
 * (undefined: erased). Each encrypted event carries its subjects' hashes in hex, for the append statement's check.
 * @throws {SubjectErasedError} when an event names an erased subject
 */
export function encryptEvents(
  entriesByType: ReadonlyMap<string, readonly PersonalDataEntry<Record<string, unknown>>[]>,
  events: readonly EncodingEvent[],
  subjects: readonly (readonly SubjectRef[] | undefined)[],
  keys: readonly (Buffer | undefined)[],
): EncodingEvent[] {
  const encoded: EncodingEvent[] = [];
  let k = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    const entries = entriesByType.get(event.type);
    const refs = subjects[index];
    if (entries === undefined || refs === undefined) {
      encoded.push(event);
      continue;
    }
    // The envelope is bound to the event's id: the caller's, or one made here (then no retry can repeat it).
    const eventId = event.id ?? uuidv7();
    const nonce = event.id === undefined ? 'random' : 'synthetic';
    const data = { ...(event.data as Record<string, unknown>) };
    const hexes: string[] = [];
    for (let e = 0; e < entries.length; e++) {
      const dataKey = keys[k++];
      if (dataKey === undefined) throw new SubjectErasedError(index);
      const { hash, hex } = refs[e]!;
      hexes.push(hex);
      for (const field of entries[e]!.fields) {
        if (data[field] !== undefined) data[field] = encryptField(dataKey, hash, { eventId, type: event.type, field }, data[field], nonce);
      }
    }
    // Field by field, one object: a spread or Object.assign with new keys takes V8's slow paths.
    encoded.push({ id: eventId, type: event.type, data, tags: event.tags, metadata: event.metadata, schemaVersion: event.schemaVersion, subjects: hexes });
  }
  return encoded;
}
