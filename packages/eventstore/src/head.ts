import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidQueryError } from './errors.js';
import type { Head } from './types.js';

/**
 * A head is `h1/<store id>/<snapshot>/<own transaction>/<own last position>/<mac>`:
 *
 * - `store id`: the store that made it (`store_identity.store_id`, replaced when a restore is detected): the
 *   append checks it in SQL, so a process still holding the secret of before a restore cannot pass an old head;
 * - `snapshot`: the read's MVCC snapshot (`xmin:xmax:xip,…`, in the store's transaction-id space): the
 *   transactions whose events the read saw;
 * - `own`, `own last position`: the reading transaction's id and the last position it had written when it read
 *   (empty when it had no id yet): its own events after that position are unseen, although its snapshot shows them;
 * - `mac`: HMAC-SHA-256 (first 16 bytes, base64url) of the rest with the store's secret, so a head that was
 *   forged, altered, or made by another store or cluster is refused instead of guarding an append with a lie.
 */
export interface HeadParts {
  readonly storeId: string;
  readonly snapshot: string;
  readonly own: string | null;
  readonly ownPosition: string | null;
}

const version = 'h1';
const snapshotPattern = /^(\d{1,20}):(\d{1,20}):((?:\d{1,20})(?:,\d{1,20})*)?$/;
const numberPattern = /^\d{1,20}$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const macPattern = /^[A-Za-z0-9_-]{22}$/;

const invalid = (why: string) =>
  new InvalidQueryError('INVALID_HEAD', `condition.after is not a head of this store (${why}): pass the head a read or append returned`, 'condition.after');

/** Splits a head into its parts and its mac, checking only its syntax. @throws {InvalidQueryError} INVALID_HEAD */
export function splitHead(text: unknown): { parts: HeadParts; signed: string; mac: string } {
  if (typeof text !== 'string') throw invalid('not a string');
  const fields = text.split('/');
  if (fields.length !== 6 || fields[0] !== version) throw invalid('malformed');
  const [, storeId, snapshot, own, ownPosition, mac] = fields as [string, string, string, string, string, string];
  if (!uuidPattern.test(storeId)) throw invalid('malformed store id');
  const match = snapshotPattern.exec(snapshot);
  if (!match) throw invalid('malformed snapshot');
  const xmin = BigInt(match[1]!);
  const xmax = BigInt(match[2]!);
  if (xmin < 1n || xmax < xmin) throw invalid('its snapshot is impossible');
  for (const xip of match[3]?.split(',') ?? []) {
    const id = BigInt(xip);
    if (id < xmin || id >= xmax) throw invalid('its snapshot is impossible');
  }
  if ((own === '') !== (ownPosition === '') || (own !== '' && (!numberPattern.test(own) || !numberPattern.test(ownPosition)))) {
    throw invalid('malformed own transaction');
  }
  if (!macPattern.test(mac)) throw invalid('malformed signature');
  return {
    parts: { storeId, snapshot, own: own === '' ? null : own, ownPosition: ownPosition === '' ? null : ownPosition },
    signed: fields.slice(0, 5).join('/'),
    mac,
  };
}

/**
 * Checks the syntax of a head kept as text (a column, a message) and returns it typed as a {@link Head}. The
 * store checks its signature when the head guards an append.
 * @example const after = parseHead(row.head);
 * @throws {InvalidQueryError} INVALID_HEAD when the text cannot be a head
 */
export function parseHead(text: string): Head {
  splitHead(text);
  return text as Head;
}

/** The text of a head, to store it (a head already is a string: this only says so without a cast). */
export function formatHead(head: Head): string {
  return head;
}

/** Signs and verifies heads with one store's secret. */
export class HeadSigner {
  constructor(
    private readonly storeId: string,
    private readonly secret: Buffer,
  ) {}

  /** `state` is `head_state()`'s `<snapshot>/<own>/<own position>`. */
  sign(state: string): Head {
    const signed = `${version}/${this.storeId}/${state}`;
    return `${signed}/${this.#mac(signed)}` as Head;
  }

  /** @throws {InvalidQueryError} INVALID_HEAD */
  verify(head: unknown): HeadParts {
    const { parts, signed, mac } = splitHead(head);
    if (!timingSafeEqual(Buffer.from(mac), Buffer.from(this.#mac(signed)))) throw invalid('its signature does not match');
    return parts;
  }

  #mac(signed: string): string {
    return createHmac('sha256', this.secret).update(signed).digest().subarray(0, 16).toString('base64url');
  }
}
