import { hmac, NONCE_BYTES, open, seal } from './aead.js';

/** Start of every encrypted field value. */
export const ENVELOPE_PREFIX = 'tally:enc:v1:';
/** Characters of a subject reference: a 32-byte subject hash in base64url. */
const REF_LENGTH = 43;

/** Where an encrypted value belongs: its event and field. A value moved elsewhere does not decrypt. */
export interface FieldPlace {
  readonly eventId: string;
  readonly type: string;
  readonly field: string;
}

/**
 * The JSON text after the event id in a field's AAD, by type and field: the same for every event of them. Types
 * and fields are those of the store's `personalData` option, so the map stays small.
 */
const aadTails = new Map<string, Map<string, string>>();
// Event ids are UUIDs, which PostgreSQL returns in lower case whatever case the append gave. The AAD is the JSON
// of ["tally:field:v1", event id, type, field]; only the id changes from one event to the next.
function aadOf(place: FieldPlace): Buffer {
  let tails = aadTails.get(place.type);
  if (tails === undefined) aadTails.set(place.type, (tails = new Map()));
  let tail = tails.get(place.field);
  if (tail === undefined) tails.set(place.field, (tail = `,${JSON.stringify(place.type)},${JSON.stringify(place.field)}]`));
  return Buffer.from(`["tally:field:v1",${JSON.stringify(place.eventId.toLowerCase())}${tail}`, 'utf8');
}

/**
 * The envelope of one personal field: `tally:enc:v1:<subject hash>:<nonce | ciphertext | tag>` (base64url),
 * AES-256-GCM of the value's JSON under the subject's data key, bound to event id, type and field.
 *
 * The nonce is `synthetic` for an event whose id the caller chose: the first 12 bytes of HMAC-SHA256(data key,
 * event id, type, field, plaintext). A retried append of that event therefore produces the very same bytes,
 * which the append's duplicate check (same ids and content → duplicate) needs. It is safe because GCM only
 * breaks when one nonce meets two different plaintexts under one key: here the nonce is a pseudo-random
 * function of the plaintext and its place, so two different inputs share a nonce only with probability about
 * n²/2⁹⁷ for n values per key, and equal inputs give equal ciphertexts, which reveals only that a value was
 * written twice at the same event id and field: a retry. An event whose id the store made has no retry to
 * match (a retry by the caller is another event, with another id): its nonce is `random` (12 bytes from the
 * CSPRNG, GCM's standard use), which spares the HMAC, a measurable part of an append. `subjectHash` is the
 * subject's keyed hash in base64url, as the envelope names it.
 */
export function encryptField(dataKey: Buffer, subjectHash: string, place: FieldPlace, value: unknown, nonce: 'synthetic' | 'random'): string {
  const plaintext = JSON.stringify(value);
  const iv = nonce === 'random' ? undefined : hmac(dataKey, 'nonce', place.eventId.toLowerCase(), place.type, place.field, plaintext).subarray(0, NONCE_BYTES);
  return `${ENVELOPE_PREFIX}${subjectHash}:${seal(dataKey, plaintext, aadOf(place), iv).toString('base64url')}`;
}

/** The subject hash an envelope names, or undefined for a value that is not an envelope. */
export function envelopeSubject(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(ENVELOPE_PREFIX) || value[ENVELOPE_PREFIX.length + REF_LENGTH] !== ':') return undefined;
  return value.slice(ENVELOPE_PREFIX.length, ENVELOPE_PREFIX.length + REF_LENGTH);
}

/** The value of an envelope, or `failed` when it does not authenticate under `dataKey` at `place`. */
export function decryptField(dataKey: Buffer, envelope: string, place: FieldPlace): { value: unknown } | 'failed' {
  const sealed = Buffer.from(envelope.slice(ENVELOPE_PREFIX.length + REF_LENGTH + 1), 'base64url');
  const plaintext = open(dataKey, sealed, aadOf(place));
  return plaintext === undefined ? 'failed' : { value: JSON.parse(plaintext.toString('utf8')) as unknown };
}
