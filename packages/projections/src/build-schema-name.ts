import { createHash } from 'node:crypto';

const hex8 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/**
 * The schema a projection's builds run in: `<store schema>_build_<8 hex of a hash of the name>`, or, when the
 * store's schema name is too long for that to fit PostgreSQL's 63 bytes, `tally_<8 hex of the schema>_build_<…>`.
 * @example buildSchemaName('tally', 'bank-accounts') // 'tally_build_' + 8 hex digits
 */
export function buildSchemaName(storeSchema: string, projection: string): string {
  const suffix = `_build_${hex8(projection)}`;
  const name = `${storeSchema}${suffix}`;
  return Buffer.byteLength(name) <= 63 ? name : `tally_${hex8(storeSchema)}${suffix}`;
}
