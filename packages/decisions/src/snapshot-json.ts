/** The marker of a bigint in a snapshot's JSON (JSON has no bigint). */
const bigintKey = '$tally.bigint';

/** A state as JSON for a snapshot: plain JSON, bigints kept (as `{ "$tally.bigint": "…" }`). */
export function toSnapshotJson(state: unknown): unknown {
  return JSON.parse(JSON.stringify(state, (_key, value: unknown) => (typeof value === 'bigint' ? { [bigintKey]: value.toString() } : value)));
}

/** A state back from a snapshot's JSON (bigints restored). */
export function fromSnapshotJson<State>(json: unknown): State {
  return JSON.parse(JSON.stringify(json), (_key, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && bigintKey in value
      ? BigInt((value as Record<string, string>)[bigintKey]!)
      : value,
  ) as State;
}
